"""``GET /v4/domains`` and stored messages ``GET /v3/domains/{domain}/messages/{storage_key}``.

``GET /v4/domains`` lists the parent's own domains; with ``include_subaccounts=true`` its subaccounts'
domains too, each with its ``subaccount_id``; on a subaccount's behalf (``X-Mailgun-On-Behalf-Of``) that
subaccount's domains only.

Stored messages answer the parsed JSON (the shape of ``payloads/stored-message.*.json``) or, with
``Accept: message/rfc2822``, Mailgun's raw variant: JSON with ``recipients``, ``sender``, ``from``,
``subject`` and the whole MIME text in ``body-mime``. The same handler serves a fake pointed at as
a storage host (``storage-*.api.mailgun.net`` URLs use the same path).
"""

from __future__ import annotations

import copy
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .common import ApiError, Ctx, json_response, parse_bool, parse_int
from .state import RegionState, StoredMessage


def domain_json(state: RegionState, name: str, *, owner: bool = False) -> dict[str, Any]:
    """Every field the spec requires; deliberately no region field (Mailgun sends none). With ``owner``,
    a subaccount's domain names its subaccount."""
    account = state.subaccounts.get(name.lower())
    return {
        **({"subaccount_id": account} if owner and account else {}),
        "created_at": state.created_at,
        "id": state.domain_ids[name],
        "is_disabled": False,
        "name": name,
        "require_tls": False,
        "skip_verification": False,
        "smtp_login": f"postmaster@{name}",
        "spam_action": "disabled",
        "state": "active",
        "type": "custom",
        "use_automatic_sender_security": True,
        "web_prefix": "email",
        "web_scheme": "https",
        "wildcard": False,
        "encrypt_incoming_message": False,
        "message_ttl": 259200,
    }


def list_domains(ctx: Ctx, state: RegionState) -> Response:
    query = ctx.query
    skip = parse_int(query.get("skip"), "skip", 0)
    limit = parse_int(query.get("limit"), "limit", 100)
    if not 1 <= limit <= 1000:
        raise ApiError(400, "'limit' must be between 1 and 1000", invalid=True)
    behalf = ctx.request.headers.get("X-Mailgun-On-Behalf-Of")
    with_subaccounts = parse_bool(query.get("include_subaccounts"), "include_subaccounts", False)
    with state.lock:
        names = [
            name
            for name in state.domains
            if state.subaccounts.get(name.lower()) == behalf
            or (behalf is None and with_subaccounts and name.lower() in state.subaccounts)
        ]
        items = [domain_json(state, name, owner=behalf is None) for name in names]
    search = query.get("search", "").lower()
    if search:
        items = [d for d in items if search in d["name"].lower()]
    if query.get("state"):
        items = [d for d in items if d["state"] == query["state"]]
    if query.get("sort", "").startswith("name"):
        items.sort(key=lambda d: d["name"], reverse=query["sort"] == "name:desc")
    return json_response({"total_count": len(items), "items": items[skip : skip + limit]})


def raw_mime_of(stored: StoredMessage) -> bytes:
    """The seeded MIME text, else one rebuilt from the JSON's headers and plain body."""
    if stored.raw_mime is not None:
        return stored.raw_mime
    message = stored.message
    headers = message.get("message-headers") or []
    lines = [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n" + str(message.get("body-plain", ""))).encode()


def get_stored_message(ctx: Ctx, state: RegionState) -> Response:
    with state.lock:
        stored = state.messages.get((ctx.args["domain"].lower(), ctx.args["storage_key"]))
        if stored is None:
            raise ApiError(404, "Message not found")
        message = copy.deepcopy(stored.message)
    if "message/rfc2822" not in ctx.request.headers.get("Accept", ""):
        return json_response(message)
    return json_response(
        {
            "recipients": message.get("recipients", ""),
            "sender": message.get("sender", ""),
            "from": message.get("from", message.get("From", "")),
            "subject": message.get("subject", message.get("Subject", "")),
            "body-mime": raw_mime_of(stored).decode("utf-8", "replace"),
        }
    )


def rules() -> list[Rule]:
    return [
        Rule("/v4/domains", methods=["GET"], endpoint=list_domains),
        Rule("/v3/domains/<domain>/messages/<storage_key>", methods=["GET"], endpoint=get_stored_message),
    ]
