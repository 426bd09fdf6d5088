"""GET /api/v1/docs: the API reference, Redoc rendering this service's own OpenAPI document.

Redoc is vendored (app/api/vendor/redoc/: its README gives the version, the sha256s and the one change made,
the removal of an outside logo) and served from here, so the page makes no request to anyone else. Redoc
rather than Swagger UI: it is one file and only reads; Swagger UI's "try it out" would want the token typed
into the page and send state-changing calls from the browser, the very thing the API's cross-site rules keep
browsers from doing.

The page, its script and the document it renders (a copy of /api/v1/openapi.json under the page's own path)
open with an API token, like all of /api/v1, or with the dashboard's sign-in: a browser cannot send a Bearer
header by itself, so a person reaches the page by signing in at /dashboard/login. The session cookie is sent
to /dashboard and /api/v1/docs only (app/dashboard/session.py), and only these GETs read it.

The page's Content-Security-Policy is the dashboard's plus what Redoc needs, on these answers only: its script
from here ('self'), its fetch of the document ('self'), and the search index it builds in a worker started
from a blob: URL.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, make_response, request, send_file, url_for
from markupsafe import Markup

from app.api.openapi.document import document
from app.api.params import read_args
from app.core.stores import split
from app.dashboard.session import COOKIE, session_is_open
from app.web.services import services

REDOC = Path(__file__).resolve().parent / "vendor" / "redoc" / "redoc.standalone.js"
ENDPOINTS = frozenset({"api.api_reference", "api.api_reference_document", "api.api_reference_script"})
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE = Markup("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mailhook API reference</title>
</head>
<body>
<redoc spec-url="{document}"></redoc>
<script src="{script}"></script>
</body>
</html>
""")


def opened_by_dashboard_session() -> bool:
    """Whether this is a GET of the reference by a browser signed in to the dashboard."""
    if request.endpoint not in ENDPOINTS or request.method not in ("GET", "HEAD"):
        return False
    found = services()
    return session_is_open(found.engine, request.cookies.get(COOKIE), found.settings.api_tokens)


def api_reference() -> Response:
    read_args(request.args.items(multi=True), ())
    page = PAGE.format(
        document=url_for("api.api_reference_document"), script=url_for("api.api_reference_script")
    )
    headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    return _secured(make_response(page, headers))


def api_reference_document() -> Response:
    read_args(request.args.items(multi=True), ())
    response = make_response(document(split(services().settings)))
    response.headers["Cache-Control"] = "no-store"
    return _secured(response)


def api_reference_script() -> Response:
    # Revalidated on every load (ETag), so a new vendored version is picked up at once; private, since the
    # answer needs credentials.
    response = send_file(REDOC, mimetype="text/javascript", max_age=0, conditional=True, etag=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return _secured(response)


def _secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
