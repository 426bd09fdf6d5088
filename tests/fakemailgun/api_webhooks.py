"""Domain webhooks (``/v3/domains/{domain}/webhooks[/{name}]``, and ``/v4/domains/{domain}/webhooks``: one
URL with its ``event_types`` per call) and routes (``/v3/routes[/{id}]``).

The webhook APIs answer their own errors as ``{"Reason": ...}`` (400) or ``{"message": ...}`` (404),
as the spec documents; at most 3 URLs per event type (FACTS.md section 5).
"""

from __future__ import annotations

import copy

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .common import ApiError, Ctx, json_response, parse_int, parse_limit
from .state import RegionState

MAX_URLS = 3


def _urls(ctx: Ctx) -> list[str]:
    urls = ctx.form.getlist("url")
    if not urls:
        raise ApiError(400, "'url' parameter is missing", invalid=True, key="Reason")
    if len(urls) > MAX_URLS:
        raise ApiError(400, f"At most {MAX_URLS} URLs are allowed per webhook", invalid=True, key="Reason")
    return urls


def list_webhooks(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        hooks = state.webhooks.get(ctx.args["domain"].lower(), {})
        body = {name: {"urls": list(urls)} for name, urls in hooks.items()}
    return json_response({"webhooks": body})


def create_webhook(ctx: Ctx, state: RegionState) -> Response:
    name = ctx.form.get("id", "")
    urls = _urls(ctx)
    with state.lock:
        hooks = state.webhooks.setdefault(ctx.args["domain"].lower(), {})
        if name in hooks:
            raise ApiError(400, f"Webhook {name} already exists", key="Reason")
        hooks[name] = urls
    return json_response({"message": "Webhook has been created", "webhook": {"urls": urls}})


def _existing(state: RegionState, ctx: Ctx) -> dict[str, list[str]]:
    hooks = state.webhooks.get(ctx.args["domain"].lower(), {})
    if ctx.args["name"] not in hooks:
        raise ApiError(404, "Webhook not found")
    return hooks


def get_webhook(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        urls = list(_existing(state, ctx)[ctx.args["name"]])
    return json_response({"webhook": {"urls": urls}})


def update_webhook(ctx: Ctx, state: RegionState) -> Response:
    urls = _urls(ctx)
    with state.lock:
        _existing(state, ctx)[ctx.args["name"]] = urls
    return json_response({"message": "Webhook has been updated", "webhook": {"urls": urls}})


def delete_webhook(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        urls = _existing(state, ctx).pop(ctx.args["name"])
    return json_response({"message": "Webhook has been deleted", "webhook": {"urls": urls}})


def _v4_answer(state: RegionState, domain: str) -> Response:
    hooks = state.webhooks.get(domain.lower(), {})
    return json_response({"webhooks": {name: {"urls": list(urls)} for name, urls in hooks.items() if urls}})


def _v4_fields(ctx: Ctx) -> tuple[str, list[str]]:
    url, kinds = ctx.form.get("url", ""), list(dict.fromkeys(ctx.form.getlist("event_types")))
    if not url or not kinds:
        raise ApiError(400, "'url' and 'event_types' are required", invalid=True, key="Reason")
    return url, kinds


def _v4_add(hooks: dict[str, list[str]], url: str, kinds: list[str]) -> None:
    full = [kind for kind in kinds if url not in hooks.get(kind, []) and len(hooks.get(kind, [])) >= MAX_URLS]
    if full:
        raise ApiError(
            400, f"At most {MAX_URLS} URLs are allowed per webhook: {', '.join(full)}", key="Reason"
        )
    for kind in kinds:
        if url not in hooks.setdefault(kind, []):
            hooks[kind].append(url)


def v4_create(ctx: Ctx, state: RegionState) -> Response:
    url, kinds = _v4_fields(ctx)
    with state.lock:
        hooks = state.webhooks.setdefault(ctx.args["domain"].lower(), {})
        if any(url in urls for urls in hooks.values()):
            raise ApiError(400, f"{url} is already registered: update it with PUT", key="Reason")
        _v4_add(hooks, url, kinds)
        return _v4_answer(state, ctx.args["domain"])


def v4_update(ctx: Ctx, state: RegionState) -> Response:
    """PUT: the URL's event types become exactly those given."""
    url, kinds = _v4_fields(ctx)
    with state.lock:
        hooks = state.webhooks.setdefault(ctx.args["domain"].lower(), {})
        if not any(url in urls for urls in hooks.values()):
            raise ApiError(404, f"{url} is not registered")
        before = copy.deepcopy(hooks)
        for urls in hooks.values():
            if url in urls:
                urls.remove(url)
        try:
            _v4_add(hooks, url, kinds)
        except ApiError:
            state.webhooks[ctx.args["domain"].lower()] = before
            raise
        return _v4_answer(state, ctx.args["domain"])


def v4_delete(ctx: Ctx, state: RegionState) -> Response:
    url = ctx.query.get("url", "")
    with state.lock:
        for urls in state.webhooks.get(ctx.args["domain"].lower(), {}).values():
            if url in urls:
                urls.remove(url)
        return _v4_answer(state, ctx.args["domain"])


def list_routes(ctx: Ctx, state: RegionState) -> Response:
    skip = parse_int(ctx.query.get("skip"), "skip", 0)
    limit = parse_limit(ctx.query.get("limit"), 100, 1000)
    with state.lock:
        routes = copy.deepcopy(state.routes)
    return json_response({"total_count": len(routes), "items": routes[skip : skip + limit]})


def create_route(ctx: Ctx, state: RegionState) -> Response:
    form = ctx.form
    priority = parse_int(form.get("priority"), "priority", 0)
    route = state.add_route(
        form.get("expression", ""), form.getlist("action"), priority, form.get("description", "")
    )
    return json_response({"message": "Route has been created", "route": route})


def _route_index(state: RegionState, route_id: str) -> int:
    for i, route in enumerate(state.routes):
        if route["id"] == route_id:
            return i
    raise ApiError(404, "Route not found")


def get_route(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        route = copy.deepcopy(state.routes[_route_index(state, ctx.args["route_id"])])
    return json_response({"route": route})


def delete_route(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        route = state.routes.pop(_route_index(state, ctx.args["route_id"]))
    return json_response({"message": "Route has been deleted", "id": route["id"]})


def rules() -> list[Rule]:
    one = "/v3/domains/<domain>/webhooks/<name>"
    return [
        Rule("/v3/domains/<domain>/webhooks", methods=["GET"], endpoint=list_webhooks),
        Rule("/v3/domains/<domain>/webhooks", methods=["POST"], endpoint=create_webhook),
        Rule(one, methods=["GET"], endpoint=get_webhook),
        Rule(one, methods=["PUT"], endpoint=update_webhook),
        Rule(one, methods=["DELETE"], endpoint=delete_webhook),
        Rule("/v4/domains/<domain>/webhooks", methods=["POST"], endpoint=v4_create),
        Rule("/v4/domains/<domain>/webhooks", methods=["PUT"], endpoint=v4_update),
        Rule("/v4/domains/<domain>/webhooks", methods=["DELETE"], endpoint=v4_delete),
        Rule("/v3/routes", methods=["GET"], endpoint=list_routes),
        Rule("/v3/routes", methods=["POST"], endpoint=create_route),
        Rule("/v3/routes/<route_id>", methods=["GET"], endpoint=get_route),
        Rule("/v3/routes/<route_id>", methods=["DELETE"], endpoint=delete_route),
    ]
