"""A stacked bar chart of events per type per hour, as inline SVG. Pure: data in, markup out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from markupsafe import Markup

from app.core.models.events_vocab import EventType

# One colour per provider-neutral type; fixed so the same type always looks the same.
COLOURS: dict[str, str] = {
    EventType.QUEUED: "#9aa5b1",
    EventType.DELIVERED: "#2f9e44",
    EventType.DEFERRED: "#f08c00",
    EventType.BOUNCED: "#e03131",
    EventType.REJECTED: "#862e9c",
    EventType.OPENED: "#1c7ed6",
    EventType.CLICKED: "#0c8599",
    EventType.COMPLAINED: "#c2255c",
    EventType.UNSUBSCRIBED: "#5f3dc4",
    EventType.STORED: "#495057",
    EventType.UNKNOWN: "#adb5bd",
}
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 960, 260, 48, 28, 10


@dataclass(frozen=True, slots=True)
class HourCounts:
    start: datetime
    counts: dict[str, int]


def bar_chart(hours: list[HourCounts]) -> Markup:
    peak = max((sum(h.counts.values()) for h in hours), default=0) or 1
    slot = (WIDTH - LEFT) / max(len(hours), 1)
    parts = [_axis(peak)]
    for index, hour in enumerate(hours):
        parts += _stack(hour, LEFT + index * slot, slot * 0.8, peak)
        if index % 3 == 0:
            parts.append(_label(LEFT + index * slot, hour.start.strftime("%H:00")))
    svg = (
        f'<svg role="img" aria-label="Events per type per hour, last 24 hours" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(parts)}</svg>"
    )
    return Markup(svg)  # noqa: S704 - built from numbers and escaped text only


def legend() -> list[tuple[str, str]]:
    return list(COLOURS.items())


def _stack(hour: HourCounts, x: float, width: float, peak: int) -> list[str]:
    plot_height = HEIGHT - BOTTOM - TOP
    y, rects = float(HEIGHT - BOTTOM), []
    for kind, count in sorted(hour.counts.items()):
        height = plot_height * count / peak
        y -= height
        title = escape(f"{hour.start:%Y-%m-%d %H:00} UTC {kind}: {count}")
        rects.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
            f'fill="{COLOURS.get(kind, COLOURS["unknown"])}"><title>{title}</title></rect>'
        )
    return rects


def _axis(peak: int) -> str:
    base = HEIGHT - BOTTOM
    return (
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#868e96"/>'
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" font-size="11">{peak}</text>'
        f'<text x="{LEFT - 6}" y="{base}" text-anchor="end" font-size="11">0</text>'
    )


def _label(x: float, text: str) -> str:
    return f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="11">{escape(text)}</text>'
