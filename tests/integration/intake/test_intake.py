"""POST /webhooks/mailgun against real Postgres and SQLite: every signature case, both formats, limits."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.db import make_engine
from app.core.models.inbox import InboxRow
from app.core.signing import compute_signature
from app.web.factory import create_app
from tests.conftest import TEST_KEY, payload, sign

JSON_SAMPLE = "delivered.webhook-json.anymail-real-sanitized.json"
LEGACY_SAMPLE = "delivered.legacy-form.anymail.json"


def json_body(signature: dict[str, str] | None, sample: str = JSON_SAMPLE) -> bytes:
    document: dict[str, Any] = payload(sample)
    if signature is None:
        document.pop("signature", None)
    else:
        document["signature"] = signature
    return json.dumps(document).encode()


def legacy_pairs(signature: dict[str, str], sample: str = LEGACY_SAMPLE) -> list[tuple[str, str]]:
    fields = payload(sample)["fields"]
    pairs = [
        (k, v)
        for k, vs in fields.items()
        if k not in signature
        for v in (vs if isinstance(vs, list) else [vs])
    ]
    return pairs + list(signature.items())


@pytest.fixture
def app_for(settings_for):  # type: ignore[no-untyped-def]
    def build(database_url: str, **overrides: Any):  # type: ignore[no-untyped-def]
        return create_app(settings_for(database_url, **overrides))

    return build


@pytest.fixture
def client(app_for, db_url: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    return app_for(db_url).test_client()


def inbox_rows(db_url: str) -> list[InboxRow]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(InboxRow.__table__)).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def post_json(client: FlaskClient, body: bytes, query: str = "") -> Any:
    return client.post(f"/webhooks/mailgun{query}", data=body, content_type="application/json")


def test_valid_json_is_stored_before_200(client: FlaskClient, db_url: str) -> None:
    signature = sign()
    body = json_body(signature)
    response = post_json(client, body, "?region=EU&domain=Example.EU")
    assert response.status_code == 200
    [row] = inbox_rows(db_url)
    assert row.token == signature["token"]
    assert row.kind == "webhook"
    assert row.body == body
    assert row.status == "pending"
    assert (row.region_hint, row.domain_hint) == ("eu", "example.eu")
    assert row.headers["Content-Type"] == "application/json"
    assert abs(row.signed_at.timestamp() - int(signature["timestamp"])) < 1


def test_legacy_urlencoded_is_stored(client: FlaskClient, db_url: str) -> None:
    signature = sign()
    body = urlencode(legacy_pairs(signature)).encode()
    response = client.post("/webhooks/mailgun", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    [row] = inbox_rows(db_url)
    assert (row.kind, row.token, row.body) == ("legacy_webhook", signature["token"], body)


def test_legacy_multipart_is_stored_with_its_boundary(client: FlaskClient, db_url: str) -> None:
    signature = sign()
    data: dict[str, Any] = dict(legacy_pairs(signature, "bounced-550.legacy-form.anymail-partial.json"))
    data["attachment-1"] = (__import__("io").BytesIO(b"Received: by mx\r\n\r\nbounced"), "message.eml")
    response = client.post("/webhooks/mailgun", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    [row] = inbox_rows(db_url)
    assert row.content_type.startswith("multipart/form-data; boundary=")
    assert b"bounced" in row.body and signature["token"].encode() in row.body


@pytest.mark.parametrize(
    "sample",
    [
        "delivered.legacy-form.anymail.json",
        "dropped-hardfail-605.legacy-form.anymail.json",
        "clicked-user-variable-collisions.legacy-form.anymail-simulated.json",
    ],
)
def test_shared_legacy_samples_verify_with_their_original_signature(
    app_for, sqlite_url: str, sample: str
) -> None:  # type: ignore[no-untyped-def]
    """The recomputed samples verify as they are, given a window that reaches back to their timestamp."""
    document = payload(sample)
    body = document.get("_raw_body") or urlencode(
        [(k, v) for k, vs in document["fields"].items() for v in (vs if isinstance(vs, list) else [vs])]
    )
    client = app_for(sqlite_url, signature_max_age=10**10).test_client()
    response = client.post("/webhooks/mailgun", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.get_json()


def test_user_variable_named_token_does_not_hide_mailguns_token(client: FlaskClient, db_url: str) -> None:
    signature = sign()
    pairs = [("token", "user-value"), ("timestamp", "1"), ("signature", "nope"), *legacy_pairs(signature)]
    response = client.post(
        "/webhooks/mailgun", data=urlencode(pairs), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert inbox_rows(db_url)[0].token == signature["token"]


def signature_cases() -> list[tuple[str, Any, str]]:
    now = time.time()
    good = sign()
    return [
        ("wrong signature", {**good, "signature": "0" * 64}, "signature_mismatch"),
        ("wrong token", {**good, "token": "x" * 50}, "signature_mismatch"),
        ("wrong timestamp", {**good, "timestamp": str(int(good["timestamp"]) - 1)}, "signature_mismatch"),
        ("other key", sign("some-other-key"), "signature_mismatch"),
        ("missing block", None, "signature_missing"),
        ("missing signature", {**good, "signature": ""}, "signature_missing"),
        ("non-numeric timestamp", {**good, "timestamp": "yesterday"}, "signature_malformed"),
        ("stale", sign(timestamp=now - 43200 - 400), "signature_stale"),
        ("future", sign(timestamp=now + 3600), "signature_future"),
    ]


@pytest.mark.parametrize(
    ("case", "signature", "code"), signature_cases(), ids=[c[0] for c in signature_cases()]
)
def test_bad_signatures_are_refused_and_nothing_is_stored(
    client: FlaskClient, db_url: str, case: str, signature: Any, code: str
) -> None:
    response = post_json(client, json_body(signature))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code
    assert inbox_rows(db_url) == []


def test_old_but_within_max_age_and_small_skew_are_accepted(client: FlaskClient, db_url: str) -> None:
    assert post_json(client, json_body(sign(timestamp=time.time() - 43000))).status_code == 200
    assert post_json(client, json_body(sign(timestamp=time.time() + 120))).status_code == 200
    assert len(inbox_rows(db_url)) == 2


def test_rotated_keys_are_all_accepted(app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    client = app_for(db_url, signing_keys=("new-key", TEST_KEY)).test_client()
    assert post_json(client, json_body(sign("new-key"))).status_code == 200
    assert post_json(client, json_body(sign(TEST_KEY))).status_code == 200
    assert post_json(client, json_body(sign("retired-key"))).status_code == 401
    assert len(inbox_rows(db_url)) == 2


def test_a_subaccounts_webhook_verifies_with_the_parents_key(client: FlaskClient, db_url: str) -> None:
    # Mailgun signs a subaccount's event with the subaccount's key and adds `parent-signature` (the parent's).
    theirs = sign("subaccount-own-key")
    parent = compute_signature(TEST_KEY, theirs["timestamp"], theirs["token"])
    assert post_json(client, json_body(theirs)).status_code == 401
    assert post_json(client, json_body({**theirs, "parent-signature": parent})).status_code == 200
    forged = compute_signature("not-the-parent", theirs["timestamp"], theirs["token"])
    other = sign("subaccount-own-key")
    assert post_json(client, json_body({**other, "parent-signature": forged})).status_code == 401
    assert len(inbox_rows(db_url)) == 1


def test_replayed_token_with_another_body_changes_nothing(client: FlaskClient, db_url: str) -> None:
    signature = sign()
    first = json_body(signature)
    assert post_json(client, first).status_code == 200
    replay = json_body(signature, "failed-permanent.webhook-json.anymail.json")
    response = post_json(client, replay)
    assert response.status_code == 200
    assert response.get_json()["message"] == "already stored"
    [row] = inbox_rows(db_url)
    assert row.body == first


def test_unreadable_json_is_400_once_signed_and_401_unsigned(client: FlaskClient, db_url: str) -> None:
    """A JSON body is decoded only once a signature block in it holds: unsigned garbage is a 401 that cost
    a scan, signed garbage a 400 that says why."""
    block = json.dumps({"signature": sign()})[1:-1].encode()  # '"signature": {...}'
    for garbage in (b"{%s, not json" % block, b"[{%s}, 2]" % block, b"\xff\xfe {%s garbage" % block):
        answer = post_json(client, garbage)
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, "unreadable_body"), garbage
    for unsigned in (b"{not json", b"[1, 2]", b"\xff\xfe garbage"):
        answer = post_json(client, unsigned)
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (401, "signature_missing")
    assert inbox_rows(db_url) == []


def test_a_look_alike_signature_in_the_event_does_not_stand_for_the_bodys_own(
    client: FlaskClient, db_url: str
) -> None:
    """A block that holds, nested in what a sender controls, gets the body decoded; the body's own top-level
    block must hold too."""
    document = json.loads(json_body(sign()))
    document["event-data"]["user-variables"] = {"signature": sign()}
    document["signature"] = {"timestamp": "1", "token": "t" * 50, "signature": "0" * 64}
    answer = post_json(client, json.dumps(document).encode())
    assert answer.status_code == 401
    assert inbox_rows(db_url) == []
    document["signature"], document["event-data"]["user-variables"] = sign(), {"signature": {"x": 1}}
    assert post_json(client, json.dumps(document).encode()).status_code == 200


def test_wrong_content_type_is_415(client: FlaskClient, db_url: str) -> None:
    response = client.post("/webhooks/mailgun", data=json_body(sign()), content_type="text/plain")
    assert response.status_code == 415
    assert inbox_rows(db_url) == []


def test_body_over_one_mib_is_413(client: FlaskClient, db_url: str) -> None:
    document = json.loads(json_body(sign()))
    document["event-data"]["padding"] = "x" * (1024 * 1024)
    response = post_json(client, json.dumps(document).encode())
    assert response.status_code == 413
    assert inbox_rows(db_url) == []


def test_form_with_signature_as_file_is_400(client: FlaskClient) -> None:
    import io

    data = {"token": (io.BytesIO(b"x"), "token.txt"), "timestamp": "1", "signature": "s"}
    assert client.post("/webhooks/mailgun", data=data, content_type="multipart/form-data").status_code == 400


def test_get_is_a_json_405_naming_post(client: FlaskClient) -> None:
    response = client.get("/webhooks/mailgun")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_an_unexpected_failure_is_a_logged_json_500_with_the_request_id(  # type: ignore[no-untyped-def]
    app_for, db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = app_for(db_url)

    def broken(delivery: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.extensions["mailhook"], "inbox_for", broken)
    response = app.test_client().post(
        "/webhooks/mailgun",
        data=json_body(sign()),
        content_type="application/json",
        headers={"X-Request-Id": "trace-500"},
    )
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    assert response.headers["X-Request-Id"] == "trace-500"
    failure = next(r for r in caplog.records if r.name == "app.intake.middleware")
    assert failure.exc_info is not None and "a bug" in str(failure.exc_info[1])
    assert inbox_rows(db_url) == []


def test_redis_down_still_answers_200_and_keeps_the_row(app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    app = app_for(db_url, redis_url="redis://127.0.0.1:1/0")
    response = post_json(app.test_client(), json_body(sign()))
    assert response.status_code == 200
    assert len(inbox_rows(db_url)) == 1


def test_postgres_unreachable_is_503_with_retry_after(app_for) -> None:  # type: ignore[no-untyped-def]
    client = app_for("postgresql://127.0.0.1:1/nowhere").test_client()
    response = post_json(client, json_body(sign()))
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "store_unavailable"


def test_success_answer_is_exactly_200(client: FlaskClient) -> None:
    response = post_json(client, json_body(sign()))
    assert response.status_code == 200
    assert response.is_json


def corpus_files(fmt: str) -> list[str]:
    from tests.conftest import PAYLOADS

    return sorted(p.name for p in PAYLOADS.glob(f"*.{fmt}.*.json"))


def verifies_with_test_key(signature: dict[str, str]) -> bool:
    from app.core.signing import compute_signature

    return (
        compute_signature(TEST_KEY, str(signature["timestamp"]), signature["token"]) == signature["signature"]
    )


@pytest.mark.parametrize("sample", corpus_files("webhook-json"))
def test_every_json_sample_as_sent_is_stored_or_refused_by_its_signature(
    app_for, sqlite_url: str, sample: str
) -> None:  # type: ignore[no-untyped-def]
    """Samples whose signature was recomputed with the test key verify; the others (unknown key) are 401."""
    document = payload(sample)
    client = app_for(sqlite_url, signature_max_age=10**10).test_client()
    response = post_json(client, json.dumps(document).encode())
    expected = 200 if verifies_with_test_key(document["signature"]) else 401
    assert response.status_code == expected
    assert len(inbox_rows(sqlite_url)) == (1 if expected == 200 else 0)


@pytest.mark.parametrize("sample", corpus_files("legacy-form"))
def test_every_legacy_sample_re_signed_is_stored(client: FlaskClient, db_url: str, sample: str) -> None:
    signature = sign()
    response = client.post(
        "/webhooks/mailgun",
        data=urlencode(legacy_pairs(signature, sample)),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert [row.token for row in inbox_rows(db_url)] == [signature["token"]]
