"""What to ask Mailgun so it sends this service every event and inbound message, pure: no I/O.

Webhooks: each domain and subscribable type has up to 3 URLs, often someone else's (another tool, an
analytics service). Ours is added beside them, never in their place; a URL that is ours with other hints
(same host and path, another query) is replaced, so a domain never sends us each event twice. When three
other URLs already hold a type, nothing is changed and the refusal is reported: which one to drop is the
operator's call.

Routes: one route per expression forwarding raw MIME to us; one that already forwards there is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

SUBSCRIBABLE = (
    "accepted",
    "delivered",
    "opened",
    "clicked",
    "unsubscribed",
    "complained",
    "permanent_fail",
    "temporary_fail",
)
MAX_URLS_PER_TYPE = 3  # Mailgun's limit (FACTS.md section 5)
WEBHOOK_PATH = "/webhooks/mailgun"
INBOUND_MIME_PATH = "/inbound/mailgun/mime"

CREATE, UPDATE, KEEP, REFUSE = "create", "update", "keep", "refuse"


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    action: str  # create / update / keep / refuse
    urls: tuple[str, ...]  # what to send (create, update), else what Mailgun holds
    note: str


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be the service's public base URL, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL such as https://mailhook.example.com"
    if parts.query or parts.fragment:
        return f"{url!r} must not carry a query or fragment: the service adds its own"
    return None


def webhook_url(base: str, region: str, domain: str) -> str:
    return f"{base.rstrip('/')}{WEBHOOK_PATH}?{urlencode({'region': region, 'domain': domain})}"


def inbound_url(base: str, region: str) -> str:
    # Raw MIME says nothing about the region that received it: the hint does.
    return f"{base.rstrip('/')}{INBOUND_MIME_PATH}?{urlencode({'region': region})}"


def same_endpoint(url: str, other: str) -> bool:
    """Same scheme, host, port and path: the same receiver, whatever the query says."""
    return _endpoint(url) == _endpoint(other)


def plan_webhooks(current: Mapping[str, Sequence[str]], ours: str) -> list[Step]:
    """The step for every subscribable type, given the URLs each type holds now."""
    return [_plan_type(kind, current.get(kind), ours) for kind in SUBSCRIBABLE]


def _plan_type(kind: str, urls: Sequence[str] | None, ours: str) -> Step:
    held = tuple(urls or ())
    if ours in held:
        return Step(kind, KEEP, held, "already registered")
    others = tuple(url for url in held if not same_endpoint(url, ours))
    if len(others) >= MAX_URLS_PER_TYPE:
        return Step(kind, REFUSE, held, f"{len(others)} other URLs hold it (Mailgun allows "
                    f"{MAX_URLS_PER_TYPE}): remove one, then run again")  # fmt: skip
    notes = [f"kept {len(others)} other URL{'s' * (len(others) != 1)}"] if others else []
    if len(others) < len(held):
        notes.append("replaced our URL with other hints")
    action = CREATE if urls is None else UPDATE
    return Step(kind, action, (*others, ours), "; ".join(notes))


def is_registered(urls: Sequence[str], ours: str | None) -> str | None:
    """Our URL among `urls` (exactly `ours`, or when `ours` is unknown any URL ending in our path)."""
    if ours is not None:
        return ours if ours in urls else None
    return next((url for url in urls if urlsplit(url).path.rstrip("/").endswith(WEBHOOK_PATH)), None)


def forward_action(url: str) -> str:
    return f'forward("{url}")'


def route_actions(url: str, stop: bool) -> list[str]:
    return [forward_action(url), *(["stop()"] if stop else [])]


def find_route(
    routes: Sequence[Mapping[str, object]], expression: str, url: str
) -> Mapping[str, object] | None:
    """A route with this expression that already forwards to our inbound endpoint."""
    for route in routes:
        actions = route.get("actions")
        if str(route.get("expression", "")).strip() != expression.strip() or not isinstance(actions, list):
            continue
        if any(_forwards_to(action, url) for action in actions):
            return route
    return None


def _forwards_to(action: object, url: str) -> bool:
    if not isinstance(action, str) or not action.startswith("forward("):
        return False
    target = action[len("forward(") :].rstrip(")").strip().strip("\"'")
    return same_endpoint(target, url)


def _endpoint(url: str) -> tuple[str, str, int | None, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return ("", url, None, "")
    return parts.scheme.lower(), (parts.hostname or "").lower(), port, parts.path.rstrip("/")
