"""GET /api/v1/dead-letters and POST /api/v1/dead-letters/{id}/replay."""

from __future__ import annotations

from sqlalchemy import Engine

from app.core.task_names import DRAIN_TASKS
from tests.integration.conftest import Api, RecordingWaker, add_inbox_row, inbox_status


def test_lists_dead_rows_newest_first_without_their_bodies(api: Api, engine: Engine) -> None:
    body = b'{"signature": {"token": "t", "signature": "SECRET-SIGNATURE"}}'
    older = add_inbox_row(engine, body=body, region_hint="eu", domain_hint="example.eu")
    add_inbox_row(engine, status="pending", error=None)
    add_inbox_row(engine, status="done", error=None)
    newer = add_inbox_row(engine, kind="legacy_webhook", content_type="application/x-www-form-urlencoded")

    response = api.get("/dead-letters")

    items = response.get_json()["items"]
    assert [item["id"] for item in items] == [newer, older]
    assert items[1]["size"] == len(body)
    assert (items[1]["region_hint"], items[1]["domain_hint"]) == ("eu", "example.eu")
    assert items[1]["status"] == "dead"
    assert items[1]["error"] == "cannot normalize: no event name"
    assert items[1]["received_at"].endswith("Z")
    assert "body" not in items[1] and "headers" not in items[1]
    assert "SECRET-SIGNATURE" not in response.get_data(as_text=True)


def test_dead_letters_page_by_id(api: Api, engine: Engine) -> None:
    rows = [add_inbox_row(engine) for _ in range(5)]
    first = api.get("/dead-letters", limit="2").get_json()
    add_inbox_row(engine)  # newer than the cursor: not part of this walk
    second = api.get("/dead-letters", limit="2", cursor=first["next_cursor"]).get_json()
    third = api.get("/dead-letters", limit="2", cursor=second["next_cursor"]).get_json()
    walked = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert walked == list(reversed(rows))
    assert third["next_cursor"] is None
    assert api.get("/dead-letters", limit="501").status_code == 400
    assert api.get("/dead-letters", cursor="e30").status_code == 400


def test_replay_flips_the_row_to_pending_and_pokes_the_waker(
    api: Api, engine: Engine, waker: RecordingWaker
) -> None:
    row_id = add_inbox_row(engine)
    response = api.post(f"/dead-letters/{row_id}/replay")
    assert response.status_code == 200
    item = response.get_json()
    assert (item["id"], item["status"], item["error"]) == (row_id, "pending", None)
    assert inbox_status(engine, row_id) == ("pending", None)
    assert waker.pokes == len(DRAIN_TASKS)  # one per lane: a replayed row may be in either
    assert waker.tasks == set(DRAIN_TASKS)
    assert api.get("/dead-letters").get_json()["items"] == []


def test_replaying_a_row_that_is_not_dead_is_409(api: Api, engine: Engine, waker: RecordingWaker) -> None:
    row_id = add_inbox_row(engine)
    assert api.post(f"/dead-letters/{row_id}/replay").status_code == 200
    again = api.post(f"/dead-letters/{row_id}/replay")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "not_dead"
    done = add_inbox_row(engine, status="done", error=None)
    assert api.post(f"/dead-letters/{done}/replay").status_code == 409
    assert inbox_status(engine, done) == ("done", None)
    assert waker.pokes == len(DRAIN_TASKS)  # the one replay's


def test_replaying_an_unknown_row_is_404(api: Api, engine: Engine, waker: RecordingWaker) -> None:
    add_inbox_row(engine)
    for path in ("/dead-letters/999999/replay", "/dead-letters/abc/replay"):
        response = api.post(path)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert waker.pokes == 0


def test_replay_is_post_only(api: Api, engine: Engine) -> None:
    row_id = add_inbox_row(engine)
    response = api.client.get(
        f"/api/v1/dead-letters/{row_id}/replay", headers={"Authorization": "Bearer test-api-token"}
    )
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert inbox_status(engine, row_id)[0] == "dead"
