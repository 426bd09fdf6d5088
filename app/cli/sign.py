"""`mailhook sign FILE`: re-sign a sample payload with a fresh timestamp and token, ready for curl.

The shared sample payloads carry old timestamps; this turns one into a delivery the running service accepts.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import click

from app.cli.common import settings_or_exit
from app.core.devkey import with_dev_secrets
from app.core.signing import compute_signature


def fresh_signature(key: str) -> dict[str, str]:
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    return {"timestamp": timestamp, "token": token, "signature": compute_signature(key, timestamp, token)}


def signed_body(document: dict, key: str) -> tuple[bytes, str]:
    """The body and content type of a freshly signed delivery built from a sample file."""
    signature = fresh_signature(key)
    if "fields" in document:  # legacy form sample: {"fields": {name: value or [values]}}
        form = urlencode(resigned_form_pairs(document["fields"], signature))
        return form.encode(), "application/x-www-form-urlencoded"
    body = document if "event-data" in document else {"event-data": document}
    return json.dumps({**body, "signature": signature}).encode(), "application/json"


def resigned_form_pairs(fields: Mapping[str, object], signature: Mapping[str, str]) -> list[tuple[str, str]]:
    """A legacy sample's fields in their order with Mailgun's own signature fields replaced by `signature`.

    Legacy posts merge user variables into the top-level fields, and a variable named `signature`,
    `timestamp` or `token` is posted before Mailgun's own value of that name (FACTS.md section 1): of each
    of those names only the last value is Mailgun's and goes; the user's stay where they were. The fresh
    fields come last, as Mailgun sends them, so the intake and the normalizer pick them as Mailgun's.
    """
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        values = value if isinstance(value, list) else [value]
        if name in signature:
            values = values[:-1]
        pairs += [(name, str(v)) for v in values]
    return pairs + list(signature.items())


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", help="Signing key (default: the first configured key, or the development key).")
@click.option("--content-type", "show_type", is_flag=True, help="Print only the content type to use.")
def sign(path: Path, key: str | None, show_type: bool) -> None:
    """Print PATH's payload, freshly signed, to stdout (pipe it into curl --data-binary @-)."""
    key = key or with_dev_secrets(settings_or_exit()).signing_keys[0]
    body, content_type = signed_body(json.loads(path.read_text()), key)
    if show_type:
        click.echo(content_type)
        return
    sys.stdout.buffer.write(body)
