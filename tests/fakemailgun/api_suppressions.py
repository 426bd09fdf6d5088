"""Suppressions: ``/v3/{domain}/{bounces,complaints,unsubscribes}[/{address}]`` (per sending domain)."""

from __future__ import annotations

from functools import partial
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .common import ApiError, Ctx, json_response, rfc2822
from .paging import address_page
from .state import SUPPRESSION_KINDS, RegionState

MAX_BATCH = 1000

_NOT_FOUND = {
    "bounces": "Address not found in bounces table",
    "complaints": "No spam complaints found for this address",
    "unsubscribes": "Address not found in unsubscribers table",
}
_REMOVED = {
    "bounces": "Bounced addresses for this domain have been removed",
    "complaints": "Spam complaint has been removed",
    "unsubscribes": "Unsubscribe event has been removed",
}


def make_record(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """A stored record with Mailgun's defaults for the fields a caller may omit."""
    record: dict[str, Any] = {"address": str(item["address"])}
    if kind == "bounces":
        record["code"] = str(item.get("code") or "550")
        record["error"] = str(item.get("error") or "")
    if kind == "unsubscribes":
        tags = item.get("tags")
        if isinstance(tags, str):  # the form variant carries one tag per field
            tags = [tags]
        record["tags"] = list(tags) if tags else ["*"]
    record["created_at"] = str(item.get("created_at") or rfc2822())
    return record


def list_records(ctx: Ctx, state: RegionState, kind: str) -> Response:
    records = state.suppression_list(kind, ctx.args["domain"])
    term = ctx.query.get("term", "").lower()
    if term:
        records = [r for r in records if r["address"].lower().startswith(term)]
    items, paging = address_page(ctx, records, keep=("term",))
    return json_response({"items": items, "paging": paging})


def add_records(ctx: Ctx, state: RegionState, kind: str) -> Response:
    domain = ctx.args["domain"]
    if ctx.request.is_json:
        batch = ctx.request.get_json(silent=True)
        if not isinstance(batch, list):
            raise ApiError(400, "Request body must be a JSON array", invalid=True)
        if len(batch) > MAX_BATCH:
            # Mailgun's wording, although the limit is inclusive (1000 is accepted).
            raise ApiError(400, "Batch size should be less than 1000", invalid=True)
        records = [make_record(kind, item) for item in batch]
        with state.lock:
            for record in records:
                state.put_suppression(kind, domain, record)
        return json_response({"message": f"{len(records)} addresses have been added to the {kind} table"})

    form = ctx.form
    if not form.get("address"):
        raise ApiError(400, "'address' parameter is missing", invalid=True)
    item: dict[str, Any] = form.to_dict()
    tags = form.getlist("tag") or form.getlist("tags")
    if tags:
        item["tags"] = tags
    record = make_record(kind, item)
    with state.lock:
        state.put_suppression(kind, domain, record)
    return json_response(
        {"message": f"Address has been added to the {kind} table", "address": record["address"]}
    )


def clear_records(ctx: Ctx, state: RegionState, kind: str) -> Response:
    with state.lock:
        state.table(kind, ctx.args["domain"]).clear()
    return json_response({"message": _REMOVED[kind]})


def get_record(ctx: Ctx, state: RegionState, kind: str) -> Response:
    with state.lock:
        record = state.table(kind, ctx.args["domain"]).get(ctx.args["address"].lower())
        if record is None:
            raise ApiError(404, _NOT_FOUND[kind])
        return json_response(record)


def delete_record(ctx: Ctx, state: RegionState, kind: str) -> Response:
    address = ctx.args["address"]
    with state.lock:
        table = state.table(kind, ctx.args["domain"])
        record = table.get(address.lower())
        if record is None:
            raise ApiError(404, _NOT_FOUND[kind])
        tag = ctx.query.get("tag")
        if kind == "unsubscribes" and tag and tag != "*" and tag in record["tags"]:
            # Removing one tag keeps the address suppressed for its other tags.
            record["tags"] = [t for t in record["tags"] if t != tag]
            if record["tags"]:
                return json_response({"message": _REMOVED[kind], "address": record["address"]})
        del table[address.lower()]
    return json_response({"message": _REMOVED[kind], "address": record["address"]})


def rules() -> list[Rule]:
    out: list[Rule] = []
    for kind in SUPPRESSION_KINDS:
        out += [
            Rule(f"/v3/<domain>/{kind}", methods=["GET"], endpoint=partial(list_records, kind=kind)),
            Rule(f"/v3/<domain>/{kind}", methods=["POST"], endpoint=partial(add_records, kind=kind)),
            Rule(f"/v3/<domain>/{kind}", methods=["DELETE"], endpoint=partial(clear_records, kind=kind)),
            Rule(f"/v3/<domain>/{kind}/<address>", methods=["GET"], endpoint=partial(get_record, kind=kind)),
            Rule(
                f"/v3/<domain>/{kind}/<address>",
                methods=["DELETE"],
                endpoint=partial(delete_record, kind=kind),
            ),
        ]
    return out
