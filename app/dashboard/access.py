"""The dashboard's blueprint and who may open it: the same API tokens, as `Authorization: Bearer` for tools or
through the sign-in form's session (app/dashboard/session.py). Every page module registers on `bp` and wraps
its view in `signed_in`, so no page can be reached without a token and every answer gets the same headers.

An operator is named in the log by `operator_name(token)`: a short digest of the token, the same for every
process and every sign-in with it, from which the token cannot be recovered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec
from urllib.parse import quote, unquote

from flask import Blueprint, Response, g, make_response, redirect, request, url_for
from werkzeug.routing import BaseConverter

from app.api.auth import presented_token, token_is_valid
from app.dashboard import csrf
from app.dashboard.formatting import FILTERS
from app.dashboard.session import COOKIE, session_token
from app.web.services import services

SECURITY_HEADERS = {
    # Nothing external may load; inline styles are ours and static.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Params = ParamSpec("Params")


class WholeValue(BaseConverter):
    """A URL part that is one value, whatever it holds: an address or a Message-ID may contain `/`, `?`, `#`,
    `%`, quotes, a leading `/` or `//`. Links percent-encode it twice, so that once the server has decoded
    the path (as WSGI does) the value is still one segment without a `/`, and the converter decodes it
    back; a browser sees no `/` and no `.` or `..` step inside it. Plain addresses (letters, digits, `.`,
    `-`, `_`, `+`, `@`) need no encoding at all and read as themselves."""

    def to_url(self, value: str) -> str:
        once = quote(value, safe=_PLAIN)
        if once.strip(".") == "":  # a value of only dots would be a path step
            once = once.replace(".", "%2E")
        return quote(once, safe=_PLAIN)

    def to_python(self, value: str) -> str:
        return unquote(value)


_PLAIN = "@+"
bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")
# Before any route is recorded: a rule's converter is looked up when the rule is added to the app.
bp.record_once(lambda state: state.app.url_map.converters.update(whole=WholeValue))
csrf.init_csrf(bp)
bp.record_once(lambda state: state.app.jinja_env.filters.update(FILTERS))


def operator_name(token: str) -> str:
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:12]


def signed_in_token() -> str | None:
    tokens = services().settings.api_tokens
    header_token = presented_token(request.headers.get("Authorization"))
    if header_token is not None and token_is_valid(header_token, tokens):
        return header_token
    return session_token(services().engine, request.cookies.get(COOKIE), tokens)


def signed_in(view: Callable[Params, Response]) -> Callable[Params, Response]:
    """The page for a signed-in operator (named in `g.operator`), else the way to the sign-in form."""

    @wraps(view)
    def page(*args: Params.args, **kwargs: Params.kwargs) -> Response:
        token = signed_in_token()
        if token is None:
            return secured(make_response(redirect(url_for("dashboard.login_form"))))
        g.operator = operator_name(token)
        return secured(view(*args, **kwargs))

    return page


def secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


# Every answer of the blueprint, a refusal (400, 403, 404) included, gets the same headers.
bp.after_request(secured)
