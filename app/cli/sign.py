"""`mailhook sign FILE`: re-sign a sample payload with a fresh timestamp and token, ready for curl.

The shared sample payloads carry old timestamps; this turns one into a delivery the running service accepts.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import click

from app.cli.main import settings_or_exit
from app.core.devkey import with_dev_secrets
from app.core.signing import compute_signature


def fresh_signature(key: str) -> dict[str, str]:
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    return {"timestamp": timestamp, "token": token, "signature": compute_signature(key, timestamp, token)}


def signed_body(document: dict, key: str) -> tuple[bytes, str]:
    """The body and content type of a freshly signed delivery built from a sample file."""
    signature = fresh_signature(key)
    if "fields" in document:  # legacy form sample: {"fields": {name: value or [values]}}
        pairs = [
            (n, v)
            for n, vs in document["fields"].items()
            for v in (vs if isinstance(vs, list) else [vs])
            if n not in signature
        ]
        return urlencode(pairs + list(signature.items())).encode(), "application/x-www-form-urlencoded"
    body = document if "event-data" in document else {"event-data": document}
    return json.dumps({**body, "signature": signature}).encode(), "application/json"


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
