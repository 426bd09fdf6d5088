"""/dashboard/messages/<message-id>: one message's timeline (accepted, delivered or failed with the delivery
status, opens and clicks with client and place), one row per event, each with its raw payload one click away
(a <details> element: no script). /dashboard/events/<event-id> shows the events with Mailgun's event id the
same way.
"""

from __future__ import annotations

from flask import Response, make_response, render_template

from app.dashboard.access import bp, signed_in
from app.dashboard.event_reads import events_by_mailgun_id, message_events
from app.web.services import services


@bp.get("/messages/<whole:message_id>")
@signed_in
def message(message_id: str) -> Response:
    message_id = message_id.strip().removeprefix("<").removesuffix(">").strip()
    timeline = message_events(services().read_databases(), message_id)
    page = render_template("console_message.html", message_id=message_id, events=timeline)
    return make_response(page, 200 if timeline else 404)


@bp.get("/events/<whole:event_id>")
@signed_in
def event(event_id: str) -> Response:
    found = events_by_mailgun_id(services().read_databases(), event_id.strip())
    page = render_template("console_event.html", event_id=event_id, events=found)
    return make_response(page, 200 if found else 404)
