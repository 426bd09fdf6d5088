"""The chart's colours: one per event type, so a type added to the vocabulary gets a colour of its own."""

from __future__ import annotations

from app.core.models.events_vocab import EventType
from app.dashboard.chart import COLOURS, legend


def test_every_event_type_has_its_own_colour_in_the_vocabularys_order() -> None:
    assert list(COLOURS) == list(EventType)
    assert len(set(COLOURS.values())) == len(COLOURS)
    assert [name for name, _ in legend()] == list(EventType)
