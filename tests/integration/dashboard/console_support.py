"""Signing in to the dashboard as a browser does, and reading what the console's pages link to."""

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from flask.testing import FlaskClient

from tests.integration.conftest import API_TOKEN
from tests.support_forms import csrf_field

_HREF = re.compile(r'<a class="{}" href="([^"]+)"')


def signed_in(app: Flask) -> FlaskClient:
    """A client with a dashboard session opened through the sign-in form (so forms name their operator)."""
    client = app.test_client()
    token = csrf_field(client.get("/dashboard/login").get_data(as_text=True))
    answer = client.post("/dashboard/login", data={"token": API_TOKEN, "csrf_token": token})
    assert answer.status_code == 302
    return client


def links(page: str, css_class: str) -> list[str]:
    """The hrefs of the page's links of one class, as a browser reads them (entities decoded)."""
    return [unescape(href) for href in re.findall(_HREF.pattern.format(css_class), page)]
