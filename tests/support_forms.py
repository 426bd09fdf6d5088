"""Reading a dashboard form's CSRF field out of a served page, as a browser would submit it."""

from __future__ import annotations

import re

_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_field(page: str) -> str:
    found = _FIELD.search(page)
    assert found is not None, "the form carries no CSRF field"
    return found[1]
