"""/dashboard/recipients/<address>: what happened to mail to one address. Its events newest first and paged
(across every database), its suppressions per domain and region with their source event, its list
memberships from the mirror and the sync actions about it; and the form that queues a suppression's removal
on one domain (app/dashboard/removal.py).
"""

from __future__ import annotations

from flask import Response, abort, g, make_response, redirect, render_template, request, url_for

from app.core.db import region_engine
from app.core.models.sync_vocab import SuppressionKind
from app.core.regions import REGIONS
from app.dashboard.access import bp, signed_in
from app.dashboard.event_reads import Position, recipient_events
from app.dashboard.recipient_data import read_recipient_sync
from app.dashboard.removal import Removal, queue_removal
from app.web.services import services

PAGE = 50


@bp.get("/recipients/<whole:address>")
@signed_in
def recipient(address: str) -> Response:
    address = address.strip().lower()  # stored lower-cased whole (workers/events/payload_decode.py)
    databases = services().read_databases()
    after = Position.parse(request.args.get("after"))
    shown, next_position = recipient_events(databases, address, after, PAGE)
    page = render_template(
        "console_recipient.html",
        address=address,
        events=shown,
        next_after=next_position.text() if next_position else None,
        paged=after is not None,
        sync=read_recipient_sync(databases, address),
        queued=request.args.get("queued"),
    )
    return make_response(page)


@bp.post("/suppressions/remove")
@signed_in
def remove_suppression() -> Response:
    """The address is a form field, not a path part: any path after an address would be part of it."""
    form = request.form
    region, kind, domain = form.get("region", ""), form.get("kind", ""), form.get("domain", "").strip()
    address = form.get("address", "").strip().lower()
    if region not in REGIONS or kind not in tuple(SuppressionKind) or not domain or not address:
        abort(400, "address, region, kind and domain name one suppression")
    removal = Removal(region, domain.lower(), address, SuppressionKind(kind))
    queued = queue_removal(region_engine(services().settings, region), removal, g.operator)
    if queued.action_id is None:
        abort(404, "no such suppression, or it is removed already")
    outcome = "added" if queued.added else "already"
    return make_response(redirect(url_for("dashboard.recipient", address=removal.address, queued=outcome)))
