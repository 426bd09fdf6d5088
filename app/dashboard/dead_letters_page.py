"""/dashboard/dead-letters: inbox rows that could not be processed, with kind, reason, time and domain,
filtered by kind and by words of the reason; replay one, or every one the filter matches, with the code
`mailhook replay` runs (app/core/replay.py), then the drain is woken. Bodies are never shown (they may hold
signatures and message content): only their size.

With a database per region each database's dead letters are listed, and a replay names its database.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Response, abort, g, make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import InboxKind, InboxStatus
from app.core.replay import DeadFilter, matching_dead, replay
from app.core.stores import store_named
from app.dashboard.access import bp, signed_in
from app.web.services import services

log = logging.getLogger(__name__)
inbox = InboxRow.__table__
SHOWN = 200
REPLAY_AT_ONCE = 1000  # as `mailhook replay`'s default limit


@bp.get("/dead-letters")
@signed_in
def dead_letters() -> Response:
    wanted = _filter()
    rows = []
    for store, engine in services().read_databases():
        query = (
            select(
                inbox.c.id,
                inbox.c.kind,
                inbox.c.route,
                inbox.c.received_at,
                inbox.c.error,
                inbox.c.domain_hint,
                inbox.c.attempts,
                func.length(inbox.c.body).label("size"),
            )
            .where(inbox.c.status == InboxStatus.DEAD)
            .order_by(inbox.c.id.desc())
            .limit(SHOWN)
        )
        if wanted.kind:
            query = query.where(inbox.c.kind == wanted.kind)
        if wanted.error_contains:
            query = query.where(inbox.c.error.contains(wanted.error_contains, autoescape=True))
        with engine.connect() as connection:
            rows += [dict(row, store=store.name) for row in connection.execute(query).mappings()]
    rows.sort(key=lambda row: row["received_at"], reverse=True)
    page = render_template(
        "console_dead_letters.html",
        rows=rows[:SHOWN],
        kinds=[str(kind) for kind in InboxKind],
        kind=wanted.kind or "",
        reason=wanted.error_contains or "",
        replayed=request.args.get("replayed"),
    )
    return make_response(page)


@bp.post("/dead-letters/replay")
@signed_in
def replay_dead_letters() -> Response:
    """One row (`id` and `store`), or every dead row the filter (`kind`, `reason`) matches, anywhere."""
    wanted = _filter(request.form)
    if request.form.get("id"):
        try:
            store_named(services().settings, request.form.get("store", ""))
        except KeyError:
            abort(400, "no such database")
    replayed = 0
    for store, engine in services().databases():
        if request.form.get("id"):
            if request.form.get("store") != store.name:
                continue
            ids = [_row_id(request.form["id"])]
        else:
            ids = None
        with engine.begin() as connection:
            if ids is None:
                ids = [letter.id for letter in matching_dead(connection, wanted)]
            flipped = replay(connection, ids)
        replayed += len(flipped)
        if flipped:
            log.info(
                "dashboard: %s replayed %d dead letters in the %s database",
                g.operator,
                len(flipped),
                store.name,
                extra={"operator": g.operator, "audit": "dead_letter_replay"},
            )
    if replayed:
        services().waker.poke()
    back = url_for(
        "dashboard.dead_letters", kind=wanted.kind, reason=wanted.error_contains, replayed=str(replayed)
    )
    return make_response(redirect(back))


def _filter(source: Mapping[str, str] | None = None) -> DeadFilter:
    values = request.args if source is None else source
    kind = values.get("kind", "").strip()
    if kind and kind not in tuple(InboxKind):
        abort(400, "unknown dead letter kind")
    reason = values.get("reason", "").strip()[:200]
    return DeadFilter(kind=kind or None, error_contains=reason or None, limit=REPLAY_AT_ONCE)


def _row_id(raw: str) -> int:
    if not raw.isdigit():
        abort(400, "a dead letter id is a number")
    return int(raw)
