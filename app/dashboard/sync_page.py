"""/dashboard/sync: the sync actions Mailgun refused (failed) or that ran out of attempts (dead), with
Mailgun's answer, and a retry button: the same retry as POST /api/v1/sync-actions/{id}/retry
(app/core/sync_retry.py). Each database's actions are listed; a retry names its database.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Response, abort, g, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from app.core.models.sync_vocab import RETRYABLE
from app.core.stores import store_named
from app.core.sync_retry import COLUMNS, actions, retry_action
from app.dashboard.access import bp, signed_in
from app.web.services import services

log = logging.getLogger(__name__)
SHOWN = 200


@bp.get("/sync")
@signed_in
def sync_actions() -> Response:
    rows = []
    for store, engine in services().read_databases():
        query = (
            select(*COLUMNS).where(actions.c.status.in_(RETRYABLE)).order_by(actions.c.id.desc()).limit(SHOWN)
        )
        with engine.connect() as connection:
            rows += [dict(row, store=store.name) for row in connection.execute(query).mappings()]
    rows.sort(key=lambda row: row["updated_at"], reverse=True)
    page = render_template("console_sync.html", rows=rows[:SHOWN], retried=request.args.get("retried"))
    return make_response(page)


@bp.post("/sync/<int:action_id>/retry")
@signed_in
def retry(action_id: int) -> Response:
    try:
        store = store_named(services().settings, request.form.get("store", ""))
    except KeyError:
        abort(400, "no such database")
    engine = dict((s.name, e) for s, e in services().databases())[store.name]
    with engine.begin() as connection:
        retried = retry_action(connection, action_id, datetime.now(UTC))
    if retried.row is None:
        abort(404, "no such sync action")
    if retried.flipped:
        log.info(
            "dashboard: %s retried sync action %s",
            g.operator,
            action_id,
            extra={"operator": g.operator, "sync_action_id": action_id, "audit": "sync_retry"},
        )
    return make_response(redirect(url_for("dashboard.sync_actions", retried=action_id)))
