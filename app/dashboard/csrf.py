"""Cross-site request forgery tokens for every dashboard form: put `{{ csrf_field() }}` inside a form and
`init_csrf(bp)` checks every POST to the blueprint, so a form added later is covered by that one line.

The browser holds a random secret in an HttpOnly, SameSite=Strict cookie; each form carries an HMAC of it.
A page on another site can neither read the cookie nor the form, so it cannot write the field. The same
check works before sign-in (the login form) and after it, in any web process, without server-side state.
A foreign Origin or Sec-Fetch-Site is refused too, whatever the field says.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Blueprint, Response, abort, g, request
from markupsafe import Markup

from app.core.origins import SAFE_METHODS, foreign_origin

COOKIE = "mailhook_csrf"
FIELD = "csrf_token"
_PURPOSE = b"mailhook dashboard form v1"


def form_token(secret: str) -> str:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).hexdigest()


def token_matches(secret: str | None, presented: str | None) -> bool:
    if not secret or not presented:
        return False
    return hmac.compare_digest(form_token(secret).encode(), presented.encode())


def csrf_field() -> Markup:
    """The hidden input a form carries (the secret is made, and set as a cookie, on first use)."""
    if "csrf_secret" not in g:
        g.csrf_secret = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, form_token(g.csrf_secret))


def renew() -> None:
    """A fresh secret for this browser (at sign-in and sign-out), so one seen before no longer opens forms."""
    g.csrf_secret = secrets.token_urlsafe(32)


def init_csrf(bp: Blueprint) -> None:
    bp.before_request(_check)
    bp.after_request(_set_cookie)
    bp.app_context_processor(lambda: {"csrf_field": csrf_field})


def _check() -> None:
    if request.method in SAFE_METHODS:
        return
    own = request.host_url
    if foreign_origin(own, request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site")) or not (
        token_matches(request.cookies.get(COOKIE), request.form.get(FIELD))
    ):
        abort(403, "this form is not from this service's own page: reload the page and send it again")


def _set_cookie(response: Response) -> Response:
    secret = g.get("csrf_secret")
    if secret and secret != request.cookies.get(COOKIE):
        response.set_cookie(COOKIE, secret, httponly=True, samesite="Strict", secure=request.is_secure,
                            path="/dashboard")  # fmt: skip
    return response
