"""Query parameter reading and the Authorization header, without an app."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from app.api.auth import check_authorization, presented_token, token_is_valid
from app.api.params import choice_arg, message_id_text, path_id, read_args, time_range
from app.api.problems import ApiError


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc ", "abc"),
        (_basic("api", "abc"), "abc"),
        (_basic("api", "a:b"), "a:b"),
        (_basic("someone", "abc"), None),
        (_basic("api", ""), None),
        ("Basic !!!", None),
        ("Bearer", None),
        ("Token abc", None),
        ("", None),
        (None, None),
    ],
)
def test_presented_token(header: str | None, token: str | None) -> None:
    assert presented_token(header) == token


def test_token_checked_against_every_configured_token() -> None:
    assert token_is_valid("two", ("one", "two", "three"))
    assert not token_is_valid("four", ("one", "two", "three"))
    assert not token_is_valid("", ("",))
    assert not token_is_valid("one", ())


def test_refusal_never_echoes_the_token() -> None:
    with pytest.raises(ApiError) as refused:
        check_authorization("Bearer sekrit-value", ("other",))
    assert refused.value.status == 401
    assert "sekrit" not in refused.value.message


def test_unknown_and_repeated_parameters_are_refused_and_empty_ones_ignored() -> None:
    assert read_args([("domain", "x"), ("tag", "")], ("domain", "tag")) == {"domain": "x"}
    with pytest.raises(ApiError, match="'dommain' is unknown"):
        read_args([("dommain", "x")], ("domain",))
    with pytest.raises(ApiError, match="more than once"):
        read_args([("domain", "x"), ("domain", "y")], ("domain",))


def test_time_range_orders_and_names_the_bad_parameter() -> None:
    since, until = time_range({"since": "1738324800", "until": "2025-01-31T13:00:00Z"})
    assert (since, until) == (datetime(2025, 1, 31, 12, tzinfo=UTC), datetime(2025, 1, 31, 13, tzinfo=UTC))
    with pytest.raises(ApiError, match="'since' is after 'until'"):
        time_range({"since": "2025-02-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"})
    with pytest.raises(ApiError, match="'until'"):
        time_range({"until": "soon"})


def test_choices_are_case_insensitive_and_closed() -> None:
    assert choice_arg({"region": "EU"}, "region", ("us", "eu")) == "eu"
    with pytest.raises(ApiError, match="'region' must be one of us, eu"):
        choice_arg({"region": "ap"}, "region", ("us", "eu"))


def test_message_ids_lose_their_angle_brackets() -> None:
    assert message_id_text(" <a.b@c> ") == "a.b@c"
    assert message_id_text("a.b@c") == "a.b@c"


@pytest.mark.parametrize("raw", ["abc", "-1", "1.0", str(2**63), "٣"])
def test_path_ids_that_cannot_exist_are_404(raw: str) -> None:
    with pytest.raises(ApiError) as refused:
        path_id(raw, "event")
    assert refused.value.status == 404
