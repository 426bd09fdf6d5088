"""Peers the benchmark measures mailhook against, installed by the benchmark itself, never by the service.

django-anymail is what most teams receiving Mailgun webhooks in Python use: its Mailgun tracking view checks
the signature and parses the event, and stores nothing. It is installed into var/bench/peers (pinned, with
pip's --target), which only the peer's gunicorn puts on its path; mailhook's own environment never sees it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.procs import REPO

PEERS_DIR = REPO / "var" / "bench" / "peers"
ANYMAIL = ("django==5.2.19", "django-anymail==15.2")


def anymail_path() -> Path:
    """The directory holding Django and django-anymail, installed on first use."""
    stamp = PEERS_DIR / (".installed-" + "-".join(ANYMAIL).replace("=", ""))
    if not stamp.exists():
        PEERS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--upgrade", "--target", str(PEERS_DIR),
             *ANYMAIL],
            check=True,
        )  # fmt: skip
        stamp.touch()
    return PEERS_DIR
