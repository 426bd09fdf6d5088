"""Hostile MIME through the real intake and the drain, on Postgres and SQLite: each message is stored with its
raw MIME byte for byte and what the bounds let through, its inbox row done, and the bounds it reached
logged (never its content)."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import Engine

from app.core.settings import Settings
from tests.hostile.corpus import empty_parts, filename_encoded_words, quotes_in_disposition
from tests.integration.inbound_support import (
    FilePart,
    attachment_rows,
    drain,
    inbox_row,
    message_rows,
    post_route,
)


@pytest.mark.parametrize("case", [filename_encoded_words, empty_parts, quotes_in_disposition])
def test_hostile_mime_is_stored_whole(
    app: Flask, engine: Engine, settings: Settings, case, caplog: pytest.LogCaptureFixture
) -> None:
    raw = case()
    response, token = post_route(
        app,
        [("recipient", "in@inbound.example")],
        [FilePart("body-mime", "message.eml", "message/rfc822", raw)],
        path="/inbound/mailgun/mime",
    )
    assert response.status_code == 200
    with caplog.at_level(logging.WARNING, logger="workers.inbound.store"):
        assert drain(engine, settings).dead == 0

    [row] = message_rows(engine)
    assert row["raw_mime"] == raw
    assert (row["subject"], row["from_address"]) == ("hostile", "h@sender.example")
    assert row["body_text"] == ("body" if case is not empty_parts else "")
    assert inbox_row(engine, token)["status"] == "done"
    if case is not quotes_in_disposition:
        [logged] = [r.getMessage() for r in caplog.records if "within bounds" in r.getMessage()]
        assert "=?utf-8?" not in logged and "h@sender.example" not in logged
    if case is not empty_parts:
        [stored] = attachment_rows(engine, row["id"])
        assert (stored["content_type"], stored["content"]) == ("application/pdf", b"%PDF")
