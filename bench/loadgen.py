"""Load generation with wrk (Debian's package): signed, unique deliveries, read from a file by a Lua script.

wrk cannot compute HMACs, so every body is signed beforehand; each wrk thread takes its own slice, so no
token is sent twice while the file lasts.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from app.core.signing import compute_signature

LUA = r"""
local bodies, counter = {}, 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  local n, i = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if i % n == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[((counter - 1) % #bodies) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def signed_delivery(key: str, domain: str = "bench.example.com") -> str:
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    event = {
        "event": "delivered",
        "id": uuid.uuid4().hex,
        "timestamp": time.time(),
        "recipient": "alice@example.org",
        "message": {
            "headers": {
                "message-id": f"{uuid.uuid4().hex}@{domain}",
                "to": "alice@example.org",
                "from": f"app@{domain}",
                "subject": "Hello",
            }
        },
        "envelope": {"sender": f"app@{domain}", "targets": "alice@example.org"},
        "delivery-status": {"code": 250, "message": "OK", "attempt-no": 1},
        "tags": ["bench"],
        "user-variables": {"n": 1},
    }
    signature = {
        "timestamp": timestamp,
        "token": token,
        "signature": compute_signature(key, timestamp, token),
    }
    return json.dumps({"signature": signature, "event-data": event}, separators=(",", ":"))


def write_bodies(path: Path, count: int, key: str) -> Path:
    with open(path, "w") as out:
        for _ in range(count):
            out.write(signed_delivery(key) + "\n")
    return path


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str, bodies: Path, seconds: int, connections: int, threads: int = 2, rate: int | None = None
) -> LoadResult:
    script = bodies.with_suffix(".lua")
    script.write_text(LUA)
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        str(bodies),
        str(threads),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    seconds_taken = raw["duration_us"] / 1e6
    return LoadResult(
        requests=raw["requests"],
        seconds=round(seconds_taken, 2),
        rps=round(raw["requests"] / seconds_taken, 1),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=raw["non2xx"] + raw["socket_errors"],
    )
