"""Parse one corpus case in this process and print what it cost, as one JSON line.

    python -m tests.hostile.measure CASE [--limit-mib N] [--mime-forward]

Meant to run as a child process: the address-space limit (RLIMIT_AS) keeps a parser that regresses from
taking the machine with it, and the peak RSS it reports is this process's own. `--mime-forward` wraps the case
as Mailgun's forward() to a "mime" URL posts it (a multipart form with `body-mime`) and parses it the way
the worker does, route form decoding included.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Another checkout's parser may be measured against this corpus (a before/after comparison).
sys.path.insert(0, os.environ.get("MAILHOOK_PARSER_ROOT", str(ROOT)))


def _peak_mib() -> float:
    """This process's peak RSS. VmHWM belongs to the process's own memory map, made anew at exec; ru_maxrss
    carries over the parent's peak through fork and exec (a pytest worker grown to 400 MiB would be reported
    for every case), so it is only the fallback where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _as_form(raw: bytes) -> tuple[str, bytes]:
    head = b'--F\r\nContent-Disposition: form-data; name="recipient"\r\n\r\nin@inbound.example\r\n'
    mime = b'--F\r\nContent-Disposition: form-data; name="body-mime"\r\n\r\n'
    return "multipart/form-data; boundary=F", head + mime + raw + b"\r\n--F--\r\n"


def _corpus() -> dict:
    spec = importlib.util.spec_from_file_location("hostile_corpus", Path(__file__).with_name("corpus.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case")
    parser.add_argument("--limit-mib", type=int, default=2048)
    parser.add_argument("--mime-forward", action="store_true")
    args = parser.parse_args()
    limit = args.limit_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    cases = _corpus()
    from workers.inbound.parse import parse_mime
    from workers.inbound.route_form import decode_route_form
    from workers.inbound.triage import parse_route_post

    raw = cases[args.case]()
    raw_size = len(raw)
    form = _as_form(raw) if args.mime_forward else None
    if form is not None:
        del raw
    before = _peak_mib()
    started = time.monotonic()
    outcome = "parsed"
    try:
        if form is not None:
            message = parse_route_post("inbound_mime", decode_route_form(*form)).message
        else:
            message = parse_mime(raw)
        summary = {
            "attachments": len(message.attachments),
            "headers": len(message.headers),
            "bounded": list(message.bounded),
            "raw_intact": message.raw_mime is not None and len(message.raw_mime) == raw_size,
        }
    except MemoryError:
        outcome, summary = "MemoryError", {}
    except RecursionError:
        outcome, summary = "RecursionError", {}
    seconds = time.monotonic() - started
    cost = {
        "seconds": round(seconds, 2),
        "rss_before_mib": round(before, 1),
        "rss_peak_mib": round(_peak_mib(), 1),
    }
    print(json.dumps({"case": args.case, "outcome": outcome, **cost, **summary}))


if __name__ == "__main__":
    main()
