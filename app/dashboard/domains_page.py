"""/dashboard/domains: each configured domain's health per region over the last 24 hours and 7 days, red
past the configured bounce and complaint limits (app/core/domain_health.py computes it, for /metrics too)."""

from __future__ import annotations

from flask import Response, make_response, render_template

from app.core.domain_health import WINDOWS, DomainHealthCache
from app.dashboard.access import bp, signed_in
from app.web.services import services


@bp.get("/domains")
@signed_in
def domains() -> Response:
    settings = services().settings
    found = services().domain_health.read(services().read_databases(), settings)
    page = render_template(
        "console_domains.html",
        health=found,
        windows=[name for name, _ in WINDOWS],
        bounce_limit=settings.bounce_rate_limit,
        complaint_limit=settings.complaint_rate_limit,
        cache_seconds=int(DomainHealthCache.CACHE_SECONDS),
    )
    return make_response(page)
