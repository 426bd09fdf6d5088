"""The README's verification snippet, run as written: it accepts a batch mailhook signed and refuses a
tampered body, another secret and an old timestamp."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from app.core.webhook_signing import new_secret, signed_headers
from tests.conftest import REPO


def readme_verifier() -> Callable[..., bool]:
    text = (REPO / "README.md").read_text()
    [code] = [block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "def verified(" in block]
    scope: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README's snippet
    verified: Callable[..., bool] = scope["verified"]
    return verified


def test_the_readme_snippet_verifies_what_mailhook_signs() -> None:
    verified, secret, body = readme_verifier(), new_secret(), b'{"items": []}'
    headers = signed_headers(secret, "msg_primary_1_0_0", int(time.time()), body)
    assert verified(secret, headers, body)
    assert not verified(secret, headers, body + b"\n")
    assert not verified(new_secret(), headers, body)
    old = signed_headers(secret, "msg_primary_1_0_0", int(time.time()) - 3600, body)
    assert not verified(secret, old, body)
