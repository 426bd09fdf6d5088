"""Domain webhooks (``/v3/domains/{domain}/webhooks[/{name}]``) and routes (``/v3/routes[/{id}]``).

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
        Rule("/v3/routes", methods=["GET"], endpoint=list_routes),
        Rule("/v3/routes", methods=["POST"], endpoint=create_route),
        Rule("/v3/routes/<route_id>", methods=["GET"], endpoint=get_route),
        Rule("/v3/routes/<route_id>", methods=["DELETE"], endpoint=delete_route),
    ]
