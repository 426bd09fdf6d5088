"""Account-level webhooks (``/v1/webhooks``, ``/v1/webhooks/{webhook_id}``): one set per region, for every
domain of the account and its subaccounts.

Each webhook is one URL with a list of ``event_types`` (the form field repeated) and a ``description``.
As for domain webhooks, at most 3 URLs may hold one event type; a URL already registered is a 409. Errors are
``{"message": ...}`` (400, 403) or ``{"Description": ...}`` (404, 409), as the spec documents them.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .common import ApiError, Ctx, json_response, new_id
from .state import WEBHOOK_KINDS, RegionState

MAX_URLS = 3


def _fields(ctx: Ctx) -> tuple[str, list[str], str]:
    url, kinds = ctx.form.get("url", ""), list(dict.fromkeys(ctx.form.getlist("event_types")))
    if not url or not kinds:
        raise ApiError(400, "'url' and at least one 'event_types' are required", invalid=True)
    unknown = [kind for kind in kinds if kind not in WEBHOOK_KINDS]
    if unknown:
        raise ApiError(400, f"unknown event types: {', '.join(unknown)}", invalid=True)
    return url, kinds, ctx.form.get("description", "")


def _check_room(state: RegionState, url: str, kinds: list[str], skip: str | None = None) -> None:
    others = [hook for hook_id, hook in state.account_webhooks.items() if hook_id != skip]
    if any(hook["url"] == url for hook in others):
        raise ApiError(409, f"a webhook for {url} already exists", key="Description")
    for kind in kinds:
        if len({hook["url"] for hook in others if kind in hook["event_types"]}) >= MAX_URLS:
            raise ApiError(400, f"at most {MAX_URLS} URLs may hold {kind}")


def list_hooks(ctx: Ctx, state: RegionState) -> Response:
    wanted = set(filter(None, ctx.query.get("webhook_ids", "").split(",")))
    with state.lock:
        hooks = [copy.deepcopy(h) for i, h in state.account_webhooks.items() if not wanted or i in wanted]
    return json_response({"webhooks": hooks})


def create_hook(ctx: Ctx, state: RegionState) -> Response:
    url, kinds, description = _fields(ctx)
    with state.lock:
        _check_room(state, url, kinds)
        hook_id = new_id(8)
        created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        state.account_webhooks[hook_id] = {"webhook_id": hook_id, "description": description, "url": url,
                                           "event_types": kinds, "created_at": created}  # fmt: skip
    return json_response({"webhook_id": hook_id})


def _hook(state: RegionState, hook_id: str) -> dict[str, object]:
    hook = state.account_webhooks.get(hook_id)
    if hook is None:
        raise ApiError(404, "webhook not found", key="Description")
    return hook


def get_hook(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        return json_response(copy.deepcopy(_hook(state, ctx.args["webhook_id"])))


def update_hook(ctx: Ctx, state: RegionState) -> Response:
    url, kinds, description = _fields(ctx)
    with state.lock:
        hook = _hook(state, ctx.args["webhook_id"])
        _check_room(state, url, kinds, skip=ctx.args["webhook_id"])
        hook.update(url=url, event_types=kinds, description=description)
    return Response(status=204)


def delete_hook(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        _hook(state, ctx.args["webhook_id"])
        del state.account_webhooks[ctx.args["webhook_id"]]
    return Response(status=204)


def rules() -> list[Rule]:
    return [
        Rule("/v1/webhooks", methods=["GET"], endpoint=list_hooks),
        Rule("/v1/webhooks", methods=["POST"], endpoint=create_hook),
        Rule("/v1/webhooks/<webhook_id>", methods=["GET"], endpoint=get_hook),
        Rule("/v1/webhooks/<webhook_id>", methods=["PUT"], endpoint=update_hook),
        Rule("/v1/webhooks/<webhook_id>", methods=["DELETE"], endpoint=delete_hook),
    ]
