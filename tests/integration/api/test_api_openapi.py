"""GET /api/v1/openapi.json describes what the API really answers, checked on real responses."""

from __future__ import annotations

import copy
import re

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_spec_validator import validate
from sqlalchemy import Engine

from tests.integration.conftest import Api, RecordingWaker, add_event, add_inbox_row
from tests.integration.inbound_support import add_inbound_message
from tests.integration.sync_support import add_sync_rows


def test_the_document_is_valid_openapi_3_1(api: Api) -> None:
    assert api.document["openapi"].startswith("3.1")
    validate(api.document)
    assert api.get("/openapi.json").get_json() == api.document


def test_every_operation_answers_as_documented(api: Api, engine: Engine, waker: RecordingWaker) -> None:
    event_id = add_event(
        engine,
        recipient="bob@example.org",
        message_id="m1@example.com",
        tags=["t"],
        client_info={"client-type": "browser"},
        geolocation={"country": "US"},
        url="https://example.com/x",
        ip="192.0.2.1",
    )
    add_event(engine, recipient="bob@example.org", type="opened", event="opened", message_id="m1@example.com")
    dead = add_inbox_row(engine)
    inbound = add_inbound_message(engine)
    action = add_sync_rows(engine, "bob@example.org")
    one_day = {"interval": "hour", "since": "2025-03-01T00:00:00Z", "until": "2025-03-02T00:00:00Z"}
    calls = [
        ("get", "/events", {"limit": "1", "tag": "t"}, 200),
        ("get", f"/events/{event_id}", {}, 200),
        ("get", "/events/0", {}, 404),
        ("get", "/messages/<m1@example.com>/events", {"limit": "1"}, 200),
        ("get", "/recipients/bob@example.org", {}, 200),
        ("get", "/recipients/nobody@example.org", {}, 404),
        ("get", "/stats", one_day, 200),
        ("get", "/dead-letters", {}, 200),
        ("post", f"/dead-letters/{dead}/replay", {}, 200),
        ("post", f"/dead-letters/{dead}/replay", {}, 409),
        ("post", "/dead-letters/0/replay", {}, 404),
        ("get", "/openapi.json", {}, 200),
        ("get", "/docs", {}, 200),
        ("get", "/inbound", {"recipient": "in@example.com"}, 200),
        ("get", f"/inbound/{inbound}", {}, 200),
        ("get", f"/inbound/{inbound}/raw", {}, 200),
        ("get", f"/inbound/{inbound}/attachments/1", {}, 200),
        ("get", "/suppressions", {"address": "bob@example.org", "kind": "bounce"}, 200),
        ("get", "/sync-actions", {"status": "failed", "region": "us"}, 200),
        ("post", f"/sync-actions/{action}/retry", {}, 200),
        ("post", f"/sync-actions/{action}/retry", {}, 409),
        ("post", "/sync-actions/0/retry", {}, 404),
        ("get", "/feed", {"limit": "1", "type": "delivered"}, 200),
        ("get", "/feed", {"after": "x"}, 400),
        ("get", "/events", {"limit": "0"}, 400),
        ("get", "/stats", {}, 401),
    ]
    for method, path, query, status in calls:
        headers = None if status == 401 else {"Authorization": "Bearer test-api-token"}
        if method == "get":
            response = api.get(path, headers=headers, **query)
        else:
            response = api.post(path, headers=headers)
        assert response.status_code == status, (method, path, response.get_json())
    made = api.post_json("/subscriptions", {"url": "http://127.0.0.1:9/x", "types": ["bounced"]})
    assert made.status_code == 201
    one = f"/subscriptions/{made.get_json()['id']}"
    assert api.post_json("/subscriptions", {"url": "ftp://x"}).status_code == 400
    assert [api.get("/subscriptions").status_code, api.get(one).status_code] == [200, 200]
    assert api.post(f"{one}/resume").status_code == 409
    assert [api.delete(one).status_code, api.get(one).status_code] == [204, 404]
    documented = {(method.upper(), path) for path, item in api.document["paths"].items() for method in item}
    assert documented == {(method, template(api.document, path)) for method, path, _ in api.operations_seen}


def template(document: dict[str, object], path: str) -> str:
    """The documented path template a concrete /api/v1 path matches."""
    relative = path.removeprefix("/api/v1")
    for candidate in document["paths"]:  # type: ignore[attr-defined]
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", candidate)
        if re.fullmatch(pattern, relative):
            return str(candidate)
    raise AssertionError(f"{path} matches no documented path")


@pytest.mark.parametrize("drop", ["received_at", "source"])
def test_a_response_that_differs_from_the_document_is_caught(api: Api, engine: Engine, drop: str) -> None:
    """The check above is only worth something if a mismatch fails it: describe one field less."""
    add_event(engine)
    response = api.get("/events")
    tampered = copy.deepcopy(api.document)
    del tampered["components"]["schemas"]["Event"]["properties"][drop]
    tampered["components"]["schemas"]["Event"]["required"].remove(drop)
    request = WerkzeugOpenAPIRequest(response.request)
    with pytest.raises(OpenAPIError):
        OpenAPI.from_dict(tampered).validate_response(request, WerkzeugOpenAPIResponse(response))
