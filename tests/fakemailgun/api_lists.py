"""Mailing lists: ``/v3/lists``, ``/v3/lists/pages``, ``/v3/lists/{list}/members...`` (region-bound).

Lists belong to an account: the parent's are seen without ``X-Mailgun-On-Behalf-Of``, a subaccount's only on
its behalf (anyone else gets 404, as for a list that does not exist)."""

from __future__ import annotations

import json
from email.utils import parseaddr
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .common import ApiError, Ctx, json_response, new_id, parse_bool
from .paging import address_page
from .state import MailingList, RegionState

MAX_BULK = 1000
SYNC_BULK = 100  # above this Mailgun answers at once and applies the upload in the background
ACCESS_LEVELS = ("readonly", "members", "everyone")
REPLY_PREFERENCES = ("sender", "list")


def member_json(
    address: str, name: str = "", vars_: dict[str, Any] | None = None, subscribed: bool = True
) -> dict[str, Any]:
    return {"address": address, "name": name, "vars": dict(vars_ or {}), "subscribed": subscribed}


def _behalf(ctx: Ctx) -> str | None:
    return ctx.request.headers.get("X-Mailgun-On-Behalf-Of") or None


def _list_or_404(state: RegionState, address: str, ctx: Ctx) -> MailingList:
    mlist = state.mailing_list(address)
    if mlist is None or mlist.owner != _behalf(ctx):
        raise ApiError(404, f"Mailing list '{address}' not found")
    return mlist


def _member_or_404(mlist: MailingList, address: str) -> dict[str, Any]:
    member = mlist.members.get(address.lower())
    if member is None:
        raise ApiError(404, f"Member {address} of mailing list {mlist.address} not found")
    return member


def _vars(raw: Any) -> dict[str, Any]:
    """``vars`` is a JSON object, sent as a JSON string in forms."""
    if raw is None or raw == "":
        return {}
    value = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _parse_vars(raw: Any) -> dict[str, Any]:
    try:
        return _vars(raw)
    except ValueError:
        raise ApiError(400, "'vars' must be a JSON-encoded object", invalid=True) from None


def create_list(ctx: Ctx, state: RegionState) -> Response:
    form = ctx.form
    address = form.get("address", "")
    access_level = form.get("access_level", "readonly")
    reply_preference = form.get("reply_preference", "list")
    if access_level not in ACCESS_LEVELS:
        raise ApiError(400, f"Invalid access level '{access_level}'", invalid=True)
    if reply_preference not in REPLY_PREFERENCES:
        raise ApiError(400, f"Invalid reply preference '{reply_preference}'", invalid=True)
    with state.lock:
        if state.mailing_list(address) is not None:
            raise ApiError(400, f"Mailing list '{address}' already exists")
        mlist = state.add_list(
            address,
            name=form.get("name", ""),
            description=form.get("description", ""),
            access_level=access_level,
            reply_preference=reply_preference,
            owner=_behalf(ctx),
        )
        return json_response({"list": mlist.to_json(), "message": "Mailing list has been created"}, 201)


def get_list(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        return json_response({"list": _list_or_404(state, ctx.args["list_address"], ctx).to_json()})


def lists_pages(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        records = [
            state.lists[k].to_json() for k in sorted(state.lists) if state.lists[k].owner == _behalf(ctx)
        ]
    items, paging = address_page(ctx, records, prev_word="prev")
    return json_response({"items": items, "paging": paging})


def members_pages(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        mlist = _list_or_404(state, ctx.args["list_address"], ctx)
        records = [dict(mlist.members[k]) for k in sorted(mlist.members)]
    if "subscribed" in ctx.query:
        wanted = parse_bool(ctx.query["subscribed"], "subscribed", True)
        records = [r for r in records if r["subscribed"] is wanted]
    items, paging = address_page(ctx, records, keep=("subscribed",), prev_word="prev")
    return json_response({"items": items, "paging": paging})


def add_member(ctx: Ctx, state: RegionState) -> Response:
    form = ctx.form
    address = form.get("address", "")
    if not address:
        raise ApiError(400, "'address' parameter is missing", invalid=True)
    member = member_json(
        address,
        form.get("name", ""),
        _parse_vars(form.get("vars")),
        parse_bool(form.get("subscribed"), "subscribed", True),
    )
    upsert = parse_bool(form.get("upsert"), "upsert", False)
    with state.lock:
        mlist = _list_or_404(state, ctx.args["list_address"], ctx)
        if address.lower() in mlist.members and not upsert:
            raise ApiError(400, f"Address already exists '{address}'")
        mlist.members[address.lower()] = member
    return json_response({"member": member, "message": "Mailing list member has been created"})


def _bulk_item(item: Any) -> dict[str, Any]:
    if isinstance(item, str):  # "bob@example.com" or "Bob <bob@example.com>"
        name, address = parseaddr(item)
        if "@" not in address:
            raise ValueError(f"invalid address {item!r}")
        return member_json(address, name)
    if isinstance(item, dict) and isinstance(item.get("address"), str):
        subscribed = item.get("subscribed", True)
        return member_json(
            item["address"],
            str(item.get("name") or ""),
            _vars(item.get("vars")),
            parse_bool(subscribed if isinstance(subscribed, bool) else str(subscribed), "subscribed", True),
        )
    raise ValueError(f"invalid member {item!r}")


def bulk_members(ctx: Ctx, state: RegionState) -> Response:
    raw = ctx.form.get("members", ctx.query.get("members"))
    if raw is None:
        raise ApiError(400, "'members' parameter is missing", invalid=True)
    try:
        batch = json.loads(raw)
        if not isinstance(batch, list):
            raise ValueError("'members' must be a JSON array")
        members = [_bulk_item(item) for item in batch]
    except (ValueError, ApiError) as exc:
        raise ApiError(400, f"Invalid 'members' parameter: {exc}", invalid=True) from None
    if len(members) > MAX_BULK:
        raise ApiError(400, f"At most {MAX_BULK} members can be uploaded at once", invalid=True)
    upsert = parse_bool(ctx.form.get("upsert", ctx.query.get("upsert")), "upsert", False)
    with state.lock:
        mlist = _list_or_404(state, ctx.args["list_address"], ctx)
        # Applied at once even for the "background" case: tests want determinism, not latency.
        for member in members:
            key = member["address"].lower()
            if upsert or key not in mlist.members:
                mlist.members[key] = member
        list_json = mlist.to_json()
    message = "Mailing list has been updated"
    if len(members) > SYNC_BULK:
        message = "Mailing list upload started in background"
    return json_response({"list": list_json, "message": message, "task-id": new_id(8)})


def get_member(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        mlist = _list_or_404(state, ctx.args["list_address"], ctx)
        return json_response({"member": _member_or_404(mlist, ctx.args["member_address"])})


def update_member(ctx: Ctx, state: RegionState) -> Response:
    form = ctx.form
    with state.lock:
        mlist = _list_or_404(state, ctx.args["list_address"], ctx)
        old_key = ctx.args["member_address"].lower()
        member = dict(_member_or_404(mlist, old_key))
        if form.get("address"):
            member["address"] = form["address"]
        if "name" in form:
            member["name"] = form["name"]
        if "vars" in form:
            member["vars"] = _parse_vars(form["vars"])
        if "subscribed" in form:
            member["subscribed"] = parse_bool(form["subscribed"], "subscribed", True)
        del mlist.members[old_key]
        mlist.members[member["address"].lower()] = member
    return json_response({"member": member, "message": "Mailing list member has been updated"})


def delete_member(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        mlist = _list_or_404(state, ctx.args["list_address"], ctx)
        member = _member_or_404(mlist, ctx.args["member_address"])
        del mlist.members[member["address"].lower()]
    return json_response(
        {"member": {"address": member["address"]}, "message": "Mailing list member has been deleted"}
    )


def rules() -> list[Rule]:
    member = "/v3/lists/<list_address>/members/<member_address>"
    return [
        Rule("/v3/lists", methods=["POST"], endpoint=create_list),
        Rule("/v3/lists/pages", methods=["GET"], endpoint=lists_pages),
        Rule("/v3/lists/<list_address>", methods=["GET"], endpoint=get_list),
        Rule("/v3/lists/<list_address>/members", methods=["POST"], endpoint=add_member),
        Rule("/v3/lists/<list_address>/members.json", methods=["POST"], endpoint=bulk_members),
        Rule("/v3/lists/<list_address>/members/pages", methods=["GET"], endpoint=members_pages),
        Rule(member, methods=["GET"], endpoint=get_member),
        Rule(member, methods=["PUT"], endpoint=update_member),
        Rule(member, methods=["DELETE"], endpoint=delete_member),
    ]
