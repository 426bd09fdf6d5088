"""The header's search: an address, a Message-ID (with or without its angle brackets) or Mailgun's event id
goes straight to its page.

A Message-ID and an address can look alike (both hold an `@`), so what is stored decides: angle brackets
always mean a Message-ID; otherwise a Message-ID some event carries wins, then anything with an `@` is an
address (its page says so when nothing is known about it), then an event id.
"""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request, url_for

from app.dashboard.access import bp, signed_in
from app.dashboard.event_reads import events_by_mailgun_id, has_message
from app.web.services import services

MAX_QUERY = 1000


@bp.get("/search")
@signed_in
def search() -> Response:
    asked = request.args.get("q", "").strip()[:MAX_QUERY]
    target = destination(asked)
    if target is None:
        return make_response(render_template("console_not_found.html", asked=asked), 404)
    return make_response(redirect(target))


def destination(asked: str) -> str | None:
    if not asked:
        return url_for("dashboard.show")
    databases = services().read_databases()
    if asked.startswith("<") and asked.endswith(">") and len(asked) > 2:
        return url_for("dashboard.message", message_id=asked[1:-1].strip())
    if has_message(databases, asked):
        return url_for("dashboard.message", message_id=asked)
    if "@" in asked:
        return url_for("dashboard.recipient", address=asked.lower())
    if events_by_mailgun_id(databases, asked):
        return url_for("dashboard.event", event_id=asked)
    return None
