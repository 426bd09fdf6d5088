"""Which state-changing API requests a browser could have been tricked into sending. Pure: no Flask.

A browser attaches HTTP Basic credentials it has cached (and cookies) to any request for this origin, from
any page: a form on evil.example posting here would carry them. Two rules keep such a request out:

- No request a form can send. A form sends only urlencoded, multipart or text/plain bodies; anything else,
  like `Content-Type: application/json`, makes a cross-origin page ask first (a CORS preflight), which this
  service never grants. So a state-changing call carries a JSON body (or none, `{}` being the same), and a
  call without one must carry a Bearer token: a browser never adds Bearer on its own, only a client that
  was given the token does.
- No foreign origin. Browsers name the page's origin in `Origin` (and `Sec-Fetch-Site`) on every POST; one
  that is not this service's own is refused whatever the credentials.
"""

from __future__ import annotations

from app.api.problems import ApiError
from app.core.origins import SAFE_METHODS, foreign_origin

JSON = "application/json"


def cross_site_refusal(
    *,
    method: str,
    own_origin: str,
    origin: str | None,
    fetch_site: str | None,
    content_type: str | None,
    bearer: bool,
) -> ApiError | None:
    """Why this request is refused (403 foreign origin, 415 a body a form could send), or None."""
    if method.upper() in SAFE_METHODS:
        return None
    if foreign_origin(own_origin, origin, fetch_site):
        return ApiError(403, "foreign_origin", "requests from another site may not change anything here")
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type == JSON or (not media_type and bearer):
        return None
    return ApiError(
        415,
        "json_required",
        f"a call that changes state takes a JSON body (Content-Type: {JSON}; '{{}}' will do), "
        "or no body with a Bearer token",
    )
