"""The seam between the database and its read replica in /api/v1, read from the code: no view that writes,
and not the feed, reaches `Scope.read_engine`, directly or through a function of its own module; every other
GET view reads through it. A new endpoint is checked as soon as it is in the route table.
tests/integration/api/test_read_replica_routing.py checks the same by calling each route.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Callable
from typing import Any

from flask import Flask

from app.api.routes import bp

# Reads that must see the latest writes (docs/feed.md says why the feed does; a subscription's lag is
# measured against the feed, and it is read right after it is created), and the pages that read no database.
ON_THE_DATABASE_ITSELF = {
    "read_feed",
    "openapi_document",
    "list_subscriptions",
    "get_subscription",
    "api_reference",
    "api_reference_script",
    "api_reference_document",
}


def api_views() -> dict[str, tuple[Callable[..., Any], set[str]]]:
    app = Flask(__name__)
    app.register_blueprint(bp)
    views: dict[str, tuple[Callable[..., Any], set[str]]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            view = app.view_functions[rule.endpoint]
            views[view.__name__] = (view, set(rule.methods or ()) - {"HEAD", "OPTIONS"})
    return views


def reaches_read_engine(view: Callable[..., Any]) -> bool:
    """Whether the view, or a function of its module it calls (and so on), names `read_engine`."""
    module = ast.parse(inspect.getsource(sys.modules[view.__module__]))
    functions = {node.name: node for node in module.body if isinstance(node, ast.FunctionDef)}
    seen, todo = set(), [view.__name__]
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Attribute) and node.attr == "read_engine":
                return True
            if isinstance(node, ast.Name):
                todo.append(node.id)
    return False


def test_no_write_and_not_the_feed_reaches_the_read_engine() -> None:
    views = api_views()
    writes = [name for name, (_, methods) in views.items() if methods - {"GET"}]
    assert {"replay_dead_letter", "retry_sync_action"} <= set(writes)
    for name in [*writes, *ON_THE_DATABASE_ITSELF]:
        assert not reaches_read_engine(views[name][0]), f"{name} must not read through Scope.read_engine"


def test_every_other_read_goes_through_the_read_engine() -> None:
    views = api_views()
    reads = [
        name
        for name, (_, methods) in views.items()
        if methods == {"GET"} and name not in ON_THE_DATABASE_ITSELF
    ]
    assert len(reads) >= 12
    for name in reads:
        assert reaches_read_engine(views[name][0]), (
            f"{name} reads the database: should it not use read_engine?"
        )
