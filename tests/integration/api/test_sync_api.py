"""The sync endpoints of /api/v1: suppressions, the outbox and its retry, and what GET /recipients/{address}
gains. Every answer is validated against the served OpenAPI document (see conftest.Api).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.integration.conftest import BEARER, Api
from tests.integration.sync_support import World, add_sync_rows, event

BOB = "bob@example.org"


def test_suppressions_filter_and_page(api: Api, engine: Engine) -> None:
    add_sync_rows(engine, BOB)
    add_sync_rows(engine, BOB, domain="shop.example.com")
    add_sync_rows(engine, "carol@example.org", region="eu", domain="news.example.eu", kind="complaint")
    first = api.get("/suppressions", address="BOB@Example.org", limit="1").get_json()
    assert [(i["address"], i["domain"]) for i in first["items"]] == [(BOB, "shop.example.com")]
    second = api.get("/suppressions", address=BOB, limit="1", cursor=first["next_cursor"]).get_json()
    assert [(i["domain"], i["state"], i["synced_at"]) for i in second["items"]] == [
        ("news.example.com", "failed", None)
    ]
    assert second["next_cursor"] is None
    eu = api.get("/suppressions", region="EU", kind="complaint").get_json()["items"]
    assert [(i["region"], i["address"]) for i in eu] == [("eu", "carol@example.org")]
    assert api.get("/suppressions", domain="news.example.com", state="synced").get_json()["items"] == []


@pytest.mark.parametrize("query", [{"kind": "spam"}, {"state": "gone"}, {"region": "asia"}, {"color": "red"}])
def test_suppressions_refuse_bad_filters(api: Api, query: dict[str, str]) -> None:
    response = api.get("/suppressions", headers=BEARER, **query)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_parameter"


def test_sync_actions_list_newest_first_by_status_and_region(api: Api, engine: Engine) -> None:
    done = add_sync_rows(engine, BOB, status="done", last_error=None)
    failed = add_sync_rows(engine, "carol@example.org")
    eu = add_sync_rows(engine, "dan@example.org", region="eu", domain="mg.example.eu", status="dead")
    everything = api.get("/sync-actions").get_json()["items"]
    assert [i["id"] for i in everything] == [eu, failed, done]
    assert "idempotency_key" not in everything[0]
    assert everything[1]["payload"] == {"code": "550", "error": "gone"}
    assert [i["id"] for i in api.get("/sync-actions", status="failed").get_json()["items"]] == [failed]
    assert [i["id"] for i in api.get("/sync-actions", region="eu").get_json()["items"]] == [eu]
    assert api.get("/sync-actions", status="stuck").status_code == 400


def test_retry_puts_failed_and_dead_rows_back_and_refuses_the_others(api: Api, engine: Engine) -> None:
    failed = add_sync_rows(engine, BOB)
    dead = add_sync_rows(engine, "carol@example.org", status="dead")
    done = add_sync_rows(engine, "dan@example.org", status="done")
    retried = api.post(f"/sync-actions/{failed}/retry").get_json()
    assert (retried["status"], retried["attempts"], retried["last_error"]) == (
        "pending",
        0,
        "400: Bad Request",
    )
    assert api.post(f"/sync-actions/{dead}/retry").get_json()["status"] == "pending"
    again = api.post(f"/sync-actions/{failed}/retry")
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "not_retryable")
    assert api.post(f"/sync-actions/{done}/retry").status_code == 409
    assert api.post("/sync-actions/999999/retry").status_code == 404
    assert api.post("/sync-actions/abc/retry").status_code == 404
    states = {
        i["address"]: i["state"]
        for i in api.get("/suppressions", domain="news.example.com").get_json()["items"]
    }
    assert states == {BOB: "pending", "carol@example.org": "pending", "dan@example.org": "failed"}


def test_a_failed_action_retried_through_the_api_is_sent_by_the_next_push(world: World) -> None:
    world.deliver(event("bounce", BOB, "mg.example.com"))
    world.us.fail_next(1, status=400, path_prefix="/v3/news.example.com/bounces")
    world.push("us")
    (failed,) = world.actions(status="failed")
    api = Api(world.web)
    assert api.post(f"/sync-actions/{failed.id}/retry").status_code == 200
    world.push("us")
    assert {a.status for a in world.actions()} == {"done"}
    assert [b["address"] for b in world.us.bounces("news.example.com")] == [BOB]


def test_a_recipient_shows_its_suppressions_and_lists(world: World) -> None:
    world.us.add_member("team@example.com", BOB)
    world.refresh("us")
    world.deliver(event("bounce", BOB, "mg.example.com"))
    world.push("us")
    summary = Api(world.web).get(f"/recipients/{BOB.upper()}", headers=BEARER).get_json()
    assert summary["counts"] == {"bounced": 1}
    assert [(s["domain"], s["kind"], s["state"]) for s in summary["suppressions"]] == [
        ("news.example.com", "bounce", "synced"),
        ("shop.example.com", "bounce", "synced"),
        ("mg.example.com", "bounce", "observed"),
    ]
    assert all(s["synced_at"] for s in summary["suppressions"] if s["state"] == "synced")
    assert [(m["region"], m["list_address"], m["subscribed"]) for m in summary["lists"]] == [
        ("us", "team@example.com", False)
    ]
