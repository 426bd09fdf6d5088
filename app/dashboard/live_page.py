"""/dashboard/live: the events of the last minutes, newest first, and the poller and sync backlog as on the
overview. The page reloads itself every few seconds with <meta http-equiv="refresh">: no script."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response, make_response, render_template
from sqlalchemy import select

from app.dashboard.access import bp, signed_in
from app.dashboard.data import read_status
from app.dashboard.event_reads import SHOWN, EventView, events
from app.web.services import services

WINDOW = timedelta(minutes=15)
REFRESH_SECONDS = 10
LATEST = 100


@bp.get("/live")
@signed_in
def live() -> Response:
    now = datetime.now(UTC)
    latest: list[EventView] = []
    for store, engine in services().read_databases():
        query = (
            select(*[events.c[name] for name in SHOWN])
            .where(events.c.occurred_at >= now - WINDOW)  # ix_events_occurred_at_id, newest end
            .order_by(events.c.occurred_at.desc(), events.c.id.desc())
            .limit(LATEST)
        )
        with engine.connect() as connection:
            latest += [EventView(store.name, dict(row)) for row in connection.execute(query).mappings()]
    latest.sort(key=lambda view: view.occurred_at, reverse=True)
    data = read_status(services().read_databases(), services().settings, now)
    page = render_template(
        "console_live.html",
        events=latest[:LATEST],
        data=data,
        minutes=int(WINDOW.total_seconds() // 60),
        refresh=REFRESH_SECONDS,
    )
    return make_response(page)
