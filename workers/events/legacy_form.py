"""Reading a legacy (pre-2018, form-encoded) Mailgun event webhook into EventFields.

Legacy posts merge the sender's user variables into the top-level fields. When a variable shares a name with
one of Mailgun's fields both values are posted: Mailgun's comes last for `signature`, `timestamp` and `token`
and first for every other field. Pure: no I/O, no framework imports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.core.models.events_vocab import EventSource
from workers.events.payload_decode import (
    EventFields,
    NormalizationError,
    clean_message_id,
    clean_tags,
    clean_text,
    delivery_status,
    opt_text,
    parse_code,
    parse_user_variables,
)

_MAILGUN_VALUE_LAST = frozenset({"signature", "timestamp", "token"})
_TAG_FIELDS = ("tag", "X-Mailgun-Tag")
# Mailgun's own legacy fields (documented, plus those seen in real posts). Any other field is a user variable.
_KNOWN_FIELDS = frozenset(
    {
        "event", "recipient", "domain", "timestamp", "token", "signature", "message-headers", "Message-Id",
        "message-id", "X-Mailgun-Sid", "campaign-id", "campaign-name", "tag", "X-Mailgun-Tag", "mailing-list",
        "ip", "country", "region", "city", "user-agent", "device-type", "client-type", "client-name",
        "client-os", "url", "code", "error", "description", "notification", "reason", "attachment-count",
        "body-plain", "h",
    }
)  # fmt: skip
_ATTACHMENT = re.compile(r"attachment-\d+")
_CLIENT_FIELDS = ("client-type", "client-os", "client-name", "device-type", "user-agent")
_GEO_FIELDS = ("country", "region", "city")
_ENHANCED_CODE = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")
# Mailgun's own pseudo SMTP codes: 499 could not connect / timed out, 605 previously bounced, 607 previously
# marked as spam. They say why a message was dropped, so they are kept in the reason too.
PSEUDO_CODES = frozenset({499, 605, 607})

Headers = list[tuple[str, object]]


def read_legacy_form(pairs: object) -> EventFields:
    """The event a legacy form post describes; raises NormalizationError when it describes none."""
    grouped = group_pairs(pairs)
    fields = {name: mailgun_value(name, values) for name, values in grouped.items()}
    headers = message_headers(fields.get("message-headers"))
    event = _event_name(fields, grouped)
    return EventFields(
        event=event,
        timestamp=fields.get("timestamp"),
        source=EventSource.LEGACY_WEBHOOK,
        payload={name: values[0] if len(values) == 1 else list(values) for name, values in grouped.items()},
        domain=fields.get("domain"),
        recipient=fields.get("recipient"),
        to_header=header_value(headers, "to"),
        message_id=_message_id(fields, headers),
        # `tag` is the documented field; `X-Mailgun-Tag` an undocumented one seen in real posts.
        tags=clean_tags(value for name in _TAG_FIELDS for value in grouped.get(name, [])),
        user_variables=user_variables(grouped, headers),
        reason=legacy_reason(fields, event),
        delivery_status=legacy_delivery_status(fields),
        url=opt_text(fields.get("url")),
        ip=opt_text(fields.get("ip")),
        client_info=_pick(fields, _CLIENT_FIELDS),
        geolocation=_pick(fields, _GEO_FIELDS),
        mailing_list=_mailing_list(fields),
    )


def group_pairs(pairs: object) -> dict[str, list[str]]:
    """{name: [values in posted order]}, names in first-seen order."""
    if not isinstance(pairs, Sequence) or isinstance(pairs, str | bytes):
        raise NormalizationError("legacy form fields must be a sequence of (name, value) pairs")
    grouped: dict[str, list[str]] = {}
    for pair in pairs:
        name, value = _checked_pair(pair)
        grouped.setdefault(clean_text(name), []).append(clean_text(value))
    return grouped


def _checked_pair(pair: object) -> tuple[str, str]:
    if isinstance(pair, tuple | list) and len(pair) == 2:
        name, value = pair
        if isinstance(name, str) and isinstance(value, str):
            return name, value
    raise NormalizationError("legacy form fields must be (name, value) pairs of strings")


def mailgun_value(name: str, values: Sequence[str]) -> str:
    """Mailgun's own value of a field that a same-named user variable may also have been posted under."""
    return values[-1] if name in _MAILGUN_VALUE_LAST else values[0]


def _event_name(fields: Mapping[str, str], grouped: Mapping[str, list[str]]) -> str:
    event = opt_text(fields.get("event"))
    if event is not None:
        return event.lower()
    if "sender" in grouped or "body-mime" in grouped:
        raise NormalizationError("form post has no `event` field: it looks like an inbound route post")
    raise NormalizationError("form post has no `event` field")


def _message_id(fields: Mapping[str, str], headers: Headers) -> str | None:
    candidates = (fields.get("Message-Id"), fields.get("message-id"), header_value(headers, "message-id"))
    return next((mid for mid in map(clean_message_id, candidates) if mid), None)


# --- message-headers ---


def message_headers(raw: str | None) -> Headers:
    """The `[[name, value], ...]` JSON of `message-headers`; [] when absent or unreadable."""
    if not raw:
        return []
    try:
        decoded = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    if not isinstance(decoded, list):
        return []
    return [(item[0], item[1]) for item in decoded if _is_header(item)]


def _is_header(item: object) -> bool:
    return isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)


def header_value(headers: Headers, name: str) -> str | None:
    """The first string value of a header, its name compared case-insensitively."""
    wanted = name.lower()
    return next((v for k, v in headers if k.lower() == wanted and isinstance(v, str)), None)


# --- user variables ---


def user_variables(grouped: Mapping[str, list[str]], headers: Headers) -> dict[str, Any]:
    """Fields that are not Mailgun's, the user's half of clashing fields, then `X-Mailgun-Variables`.

    The header wins over a form field of the same name: it is the JSON the sender wrote, types included.
    """
    variables: dict[str, Any] = {}
    for name, values in grouped.items():
        extra = _user_values(name, values)
        if extra:
            variables[name] = extra[0] if len(extra) == 1 else extra
    for name, value in headers:
        if name.lower() == "x-mailgun-variables":
            variables.update(parse_user_variables(value))
    return variables


def _user_values(name: str, values: list[str]) -> list[str]:
    if not _is_known(name):
        return values
    if name in _TAG_FIELDS:
        # A user variable called "tag" cannot be told apart from a tag: all values count as tags.
        return []
    return values[:-1] if name in _MAILGUN_VALUE_LAST else values[1:]


def _is_known(name: str) -> bool:
    return name in _KNOWN_FIELDS or _ATTACHMENT.fullmatch(name) is not None


# --- failure details and tracking details ---


def legacy_reason(fields: Mapping[str, str], event: str) -> str | None:
    """Mailgun's `reason`; with a pseudo code it reads `hardfail (605)` (the event name when no reason)."""
    reason = opt_text(fields.get("reason"))
    code = parse_code(fields.get("code"))
    if isinstance(code, int) and code in PSEUDO_CODES:
        return f"{reason or event} ({code})"
    return reason


def legacy_delivery_status(fields: Mapping[str, str]) -> dict[str, Any] | None:
    """`code` is `550` or `5.1.1`; `error` (bounces) or `notification` is the server's text."""
    names = ("code", "error", "notification", "description")
    if not any(opt_text(fields.get(name)) for name in names):
        return None
    code = opt_text(fields.get("code"))
    enhanced = code if code and _ENHANCED_CODE.fullmatch(code) else None
    message = opt_text(fields.get("error")) or fields.get("notification")
    return delivery_status(None if enhanced else code, enhanced, message, fields.get("description"))


def _pick(fields: Mapping[str, str], names: Sequence[str]) -> dict[str, Any] | None:
    picked = {name: fields[name] for name in names if name in fields}
    return picked or None


def _mailing_list(fields: Mapping[str, str]) -> dict[str, Any] | None:
    address = opt_text(fields.get("mailing-list"))
    return {"address": address} if address else None
