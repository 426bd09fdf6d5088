"""/metrics and request ids, through the Flask app on real stores."""

from __future__ import annotations

import json

from app.web.factory import create_app
from tests.conftest import payload, sign


def post(client, signature) -> int:  # type: ignore[no-untyped-def]
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["signature"] = signature
    return client.post(
        "/webhooks/mailgun", data=json.dumps(document), content_type="application/json"
    ).status_code


def metric_value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_signature_failures_and_backlog(settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for(db_url)).test_client()
    before = client.get("/metrics").get_data(as_text=True)
    assert post(client, sign()) == 200
    assert post(client, sign("wrong-key")) == 401
    after = client.get("/metrics").get_data(as_text=True)
    route = "/webhooks/mailgun"
    assert metric_value(after, "mailhook_http_requests_total", route=route, status="200") == (
        metric_value(before, "mailhook_http_requests_total", route=route, status="200") + 1
    )
    assert metric_value(after, "mailhook_signature_failures_total", reason="mismatch") == (
        metric_value(before, "mailhook_signature_failures_total", reason="mismatch") + 1
    )
    assert metric_value(after, "mailhook_inbox_pending") == 1
    assert metric_value(after, "mailhook_inbox_oldest_pending_age_seconds") >= 0
    assert metric_value(after, "mailhook_database_up") == 1


def test_metrics_never_show_secrets(settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(db_url, api_key="key-very-secret", api_tokens=("token-very-secret",))
    client = create_app(settings).test_client()
    post(client, sign())
    text = client.get("/metrics").get_data(as_text=True)
    for secret in ("key-very-secret", "token-very-secret", "TEST_WEBHOOK_SIGNING_KEY"):
        assert secret not in text


def test_metrics_answer_while_the_database_is_away(settings_for) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for("postgresql://127.0.0.1:1/nowhere")).test_client()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert metric_value(response.get_data(as_text=True), "mailhook_database_up") == 0


def test_request_id_is_echoed_and_kept_with_the_row(settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.core.db import make_engine
    from app.core.models.inbox import InboxRow

    client = create_app(settings_for(db_url)).test_client()
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["signature"] = sign()
    response = client.post(
        "/webhooks/mailgun",
        data=json.dumps(document),
        content_type="application/json",
        headers={"X-Request-Id": "lb-trace-42"},
    )
    assert response.headers["X-Request-Id"] == "lb-trace-42"
    generated = client.get("/healthz").headers["X-Request-Id"]
    assert len(generated) == 32
    engine = make_engine(db_url)
    with engine.connect() as connection:
        assert connection.scalar(select(InboxRow.request_id)) == "lb-trace-42"
    engine.dispose()
