"""Tests of the fake Mailgun server itself (tests/fakemailgun), through real HTTP with httpx.

Every fake here validates its own responses against the spec; the fixtures fail a test whose
responses the spec refuses.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakemailgun import SPEC_PATH, FakeMailgun
from tests.fakemailgun import spec as fake_spec

KEY = "key-test"
US_DOMAIN = "mg.example.com"
EU_DOMAIN = "mg.example.eu"
PAYLOADS = SPEC_PATH.parent / "payloads"
DATE = "Thu, 11 Dec 2025 01:49:40 UTC"


def _started(region: str, domains: list[str]) -> FakeMailgun:
    return FakeMailgun(region=region, api_key=KEY, domains=domains, validate_responses=True).start()


def _check_and_stop(fake: FakeMailgun) -> None:
    fake.stop()
    assert fake.response_problems == [], "\n".join(fake.response_problems)


@pytest.fixture
def fake() -> Iterator[FakeMailgun]:
    fake = _started("us", [US_DOMAIN])
    yield fake
    _check_and_stop(fake)


@pytest.fixture
def eu_fake() -> Iterator[FakeMailgun]:
    fake = _started("eu", [EU_DOMAIN])
    yield fake
    _check_and_stop(fake)


@pytest.fixture
def client(fake: FakeMailgun) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, auth=("api", KEY), timeout=5) as client:
        yield client


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body without file parts (httpx only sends multipart with files)."""
    boundary = "fakemailgunboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def bounce(address: str) -> dict[str, str]:
    return {"address": address, "code": "550", "error": "No such mailbox", "created_at": DATE}


def follow(client: httpx.Client, first: httpx.Response) -> list[dict[str, Any]]:
    """Follows ``paging.next`` until an empty page, as a client of Mailgun must."""
    items: list[dict[str, Any]] = []
    page = first
    for _ in range(100):
        assert page.status_code == 200, page.text
        body = page.json()
        if not body["items"]:
            return items
        items += body["items"]
        page = client.get(body["paging"]["next"])
    raise AssertionError("paging never ended")


# -- spec, auth, regions ---------------------------------------------------------------------------


def test_spec_is_loaded_once_and_patched_document_is_valid_oas31() -> None:
    assert SPEC_PATH.is_file()
    assert fake_spec.load_openapi() is fake_spec.load_openapi()
    fake_spec.validate_spec_document()


def test_auth_is_required(fake: FakeMailgun) -> None:
    assert httpx.get(f"{fake.url}/v4/domains").status_code == 401
    wrong = httpx.get(f"{fake.url}/v4/domains", auth=("api", "key-wrong"))
    assert (wrong.status_code, wrong.text) == (401, "Forbidden")
    ok = httpx.get(f"{fake.url}/v4/domains", auth=("api", KEY))
    assert ok.status_code == 200
    assert [c.status for c in fake.calls] == [401, 401, 200]
    assert fake.calls[-1].headers["Authorization"] == "api:***"
    assert fake.invalid_requests == []


def test_a_domain_of_the_other_region_is_not_found(fake: FakeMailgun, eu_fake: FakeMailgun) -> None:
    auth = ("api", KEY)
    wrong = httpx.get(f"{fake.url}/v3/{EU_DOMAIN}/bounces/a@b.com", auth=auth)
    assert (wrong.status_code, wrong.json()) == (404, {"message": "Domain not found"})
    hooks = httpx.get(f"{eu_fake.url}/v3/domains/{US_DOMAIN}/webhooks", auth=auth)
    assert (hooks.status_code, hooks.json()) == (404, {"message": "Domain not found"})
    assert httpx.get(f"{eu_fake.url}/v3/{EU_DOMAIN}/bounces", auth=auth).status_code == 200
    domains = httpx.get(f"{eu_fake.url}/v4/domains", auth=auth).json()
    assert [d["name"] for d in domains["items"]] == [EU_DOMAIN]
    assert domains["total_count"] == 1
    assert "region" not in domains["items"][0]


def test_invalid_requests_get_400_and_are_recorded(fake: FakeMailgun, client: httpx.Client) -> None:
    no_code = client.post(f"/v3/{US_DOMAIN}/bounces", json=[{"address": "a@b.com"}])
    assert no_code.status_code == 400
    assert "'code' is a required property" in no_code.json()["message"]
    too_many = client.get(f"/v3/{US_DOMAIN}/events", params={"limit": 301})
    assert too_many.status_code == 400
    bad_hook = client.post(f"/v3/domains/{US_DOMAIN}/webhooks", data={"id": "bogus", "url": "https://h/x"})
    assert bad_hook.status_code == 400
    assert "Reason" in bad_hook.json() and "message" in bad_hook.json()
    unknown = client.get("/v3/no/such/path/anywhere")
    assert unknown.status_code == 400
    assert [c.path for c in fake.invalid_requests] == [
        f"/v3/{US_DOMAIN}/bounces",
        f"/v3/{US_DOMAIN}/events",
        f"/v3/domains/{US_DOMAIN}/webhooks",
        "/v3/no/such/path/anywhere",
    ]
    assert all(c.status == 400 and c.problem for c in fake.invalid_requests)
    assert fake.bounces(US_DOMAIN) == [] and fake.webhooks(US_DOMAIN) == {}
    with pytest.raises(AssertionError, match="invalid requests"):
        fake.assert_all_requests_valid()


def test_valid_but_unimplemented_endpoint_is_501(fake: FakeMailgun, client: httpx.Client) -> None:
    assert client.get(f"/v3/domains/{US_DOMAIN}/tracking").status_code == 501
    fake.assert_all_requests_valid()


# -- suppressions ----------------------------------------------------------------------------------


def test_bounces_round_trip(fake: FakeMailgun, client: httpx.Client) -> None:
    added = client.post(f"/v3/{US_DOMAIN}/bounces", json=[bounce("A@b.com"), bounce("c@d.com")])
    assert added.json() == {"message": "2 addresses have been added to the bounces table"}
    assert client.get(f"/v3/{US_DOMAIN}/bounces/a@b.com").json() == bounce("A@b.com")
    listed = client.get(f"/v3/{US_DOMAIN}/bounces", params={"limit": 10}).json()
    assert [b["address"] for b in listed["items"]] == ["A@b.com", "c@d.com"]
    assert listed["paging"]["next"].startswith(f"{fake.url}/v3/{US_DOMAIN}/bounces?")
    removed = client.delete(f"/v3/{US_DOMAIN}/bounces/a@b.com")
    assert removed.json()["address"] == "A@b.com"
    missing = client.get(f"/v3/{US_DOMAIN}/bounces/a@b.com")
    assert (missing.status_code, missing.json()) == (404, {"message": "Address not found in bounces table"})
    assert client.delete(f"/v3/{US_DOMAIN}/bounces/a@b.com").status_code == 404
    assert [b["address"] for b in fake.bounces(US_DOMAIN)] == ["c@d.com"]
    fake.assert_all_requests_valid()


def test_single_suppression_as_form_urlencoded_or_multipart(fake: FakeMailgun, client: httpx.Client) -> None:
    urlencoded = client.post(f"/v3/{US_DOMAIN}/bounces", data={"address": "x@y.com", "code": "551"})
    assert urlencoded.json()["address"] == "x@y.com"
    body, headers = multipart([("address", "u@y.com"), ("tag", "news")])
    assert client.post(f"/v3/{US_DOMAIN}/unsubscribes", content=body, headers=headers).status_code == 200
    assert fake.bounces(US_DOMAIN)[0]["code"] == "551"
    assert fake.unsubscribes(US_DOMAIN)[0]["tags"] == ["news"]
    assert fake.calls[0].form == {"address": "x@y.com", "code": "551"}
    fake.assert_all_requests_valid()


def test_unsubscribes_and_complaints(fake: FakeMailgun, client: httpx.Client) -> None:
    unsub = [{"address": "a@b.com", "tags": ["*"], "created_at": DATE}]
    assert client.post(f"/v3/{US_DOMAIN}/unsubscribes", json=unsub).status_code == 200
    assert client.get(f"/v3/{US_DOMAIN}/unsubscribes/a@b.com").json()["tags"] == ["*"]
    complaint = [{"address": "c@b.com", "created_at": DATE}]
    assert client.post(f"/v3/{US_DOMAIN}/complaints", json=complaint).status_code == 200
    assert client.get(f"/v3/{US_DOMAIN}/complaints").json()["items"] == complaint
    assert client.delete(f"/v3/{US_DOMAIN}/complaints/c@b.com").status_code == 200
    assert fake.complaints(US_DOMAIN) == []
    assert client.get(f"/v3/{US_DOMAIN}/complaints/c@b.com").status_code == 404
    fake.assert_all_requests_valid()


def test_bulk_over_1000_is_refused_and_recorded(fake: FakeMailgun, client: httpx.Client) -> None:
    batch = [bounce(f"u{i}@b.com") for i in range(1001)]
    refused = client.post(f"/v3/{US_DOMAIN}/bounces", json=batch)
    assert (refused.status_code, refused.json()) == (400, {"message": "Batch size should be less than 1000"})
    assert fake.bounces(US_DOMAIN) == []
    assert client.post(f"/v3/{US_DOMAIN}/bounces", json=batch[:1000]).status_code == 200
    assert len(fake.bounces(US_DOMAIN)) == 1000
    assert [c.status for c in fake.invalid_requests] == [400]


def test_suppression_paging_to_the_end(fake: FakeMailgun, client: httpx.Client) -> None:
    for i in range(5):
        fake.add_bounce(US_DOMAIN, f"user{i}@b.com")
    first = client.get(f"/v3/{US_DOMAIN}/bounces", params={"limit": 2})
    assert [b["address"] for b in follow(client, first)] == [f"user{i}@b.com" for i in range(5)]
    fake.assert_all_requests_valid()


# -- lists -----------------------------------------------------------------------------------------


def test_mailing_lists_and_members(fake: FakeMailgun, client: httpx.Client) -> None:
    created = client.post("/v3/lists", data={"address": "news@mg.example.com", "name": "News"})
    assert created.status_code == 201
    added = client.post(
        "/v3/lists/news@mg.example.com/members",
        data={"address": "a@b.com", "name": "A", "vars": json.dumps({"age": 3}), "subscribed": "yes"},
    )
    assert added.json()["member"] == {
        "address": "a@b.com",
        "name": "A",
        "vars": {"age": 3},
        "subscribed": True,
    }
    members = [f"user{i}@b.com" for i in range(5)] + [{"address": "a@b.com", "name": "Again"}]
    bulk = client.post(
        "/v3/lists/news@mg.example.com/members.json",
        data={"members": json.dumps(members), "upsert": "yes"},
    )
    assert bulk.json()["list"]["members_count"] == 6 and "task-id" in bulk.json()
    assert fake.members("news@mg.example.com")[0]["name"] == "Again"

    members_path = "/v3/lists/news@mg.example.com/members"
    urlencoded = client.put(f"{members_path}/user1@b.com", data={"subscribed": "no"})
    assert urlencoded.json()["member"]["subscribed"] is False
    body, headers = multipart([("subscribed", "no")])
    multi = client.put(f"{members_path}/user2@b.com", content=body, headers=headers)
    assert multi.json()["member"]["subscribed"] is False
    assert client.get(f"{members_path}/user1@b.com").json()["member"]["subscribed"] is False
    assert client.get(f"{members_path}/nobody@b.com").status_code == 404

    first = client.get(f"{members_path}/pages", params={"limit": 2, "subscribed": "yes"})
    subscribed = [m["address"] for m in follow(client, first)]
    assert subscribed == ["a@b.com", "user0@b.com", "user3@b.com", "user4@b.com"]
    lists = client.get("/v3/lists/pages", params={"limit": 10}).json()
    assert [(x["address"], x["members_count"]) for x in lists["items"]] == [("news@mg.example.com", 6)]
    fake.assert_all_requests_valid()


def test_bulk_members_over_1000_refused_and_unknown_list_404(fake: FakeMailgun, client: httpx.Client) -> None:
    fake.add_list("big@mg.example.com")
    members = json.dumps([f"u{i}@b.com" for i in range(1001)])
    refused = client.post("/v3/lists/big@mg.example.com/members.json", data={"members": members})
    assert refused.status_code == 400
    assert fake.members("big@mg.example.com") == []
    assert len(fake.invalid_requests) == 1
    missing = client.post("/v3/lists/nope@mg.example.com/members.json", data={"members": "[]"})
    assert missing.status_code == 404


# -- events ----------------------------------------------------------------------------------------


def test_events_paging_follows_next_to_the_end(fake: FakeMailgun, client: httpx.Client) -> None:
    base = 1_700_000_000.0
    fake.add_events(US_DOMAIN, [{"event": "delivered", "timestamp": base + i} for i in range(250)])
    first = client.get(f"/v3/{US_DOMAIN}/events", params={"begin": base, "ascending": "yes", "limit": 100})
    assert first.json()["paging"]["next"].startswith(f"{fake.url}/v3/{US_DOMAIN}/events/")
    items = follow(client, first)
    assert [e["timestamp"] for e in items] == [base + i for i in range(250)]
    assert len(fake.calls_to("GET", f"/v3/{US_DOMAIN}/events")) == 4  # 100 + 100 + 50 + empty

    # Polling the last next URL again returns what arrived since.
    last_next = client.get(f"/v3/{US_DOMAIN}/events", params={"begin": base + 249, "ascending": "yes"}).json()
    fake.add_events(US_DOMAIN, [{"event": "opened", "timestamp": base + 300}])
    later = client.get(last_next["paging"]["next"]).json()["items"]
    assert [e["event"] for e in later] == ["opened"]

    ranged = client.get(f"/v3/{US_DOMAIN}/events", params={"begin": base + 9, "end": base + 5}).json()
    assert [e["timestamp"] for e in ranged["items"]] == [base + 9 - i for i in range(5)]
    only = client.get(f"/v3/{US_DOMAIN}/events", params={"event": "opened OR failed"}).json()["items"]
    assert [e["event"] for e in only] == ["opened"]
    fake.assert_all_requests_valid()


def test_events_serve_the_spec_examples(fake: FakeMailgun, client: httpx.Client) -> None:
    examples = json.loads((PAYLOADS / "events-api-response.all-types.openapi-examples.json").read_text())
    seeded = [item for page in examples.values() for item in page["items"]]
    fake.add_events(US_DOMAIN, seeded)
    got = client.get(f"/v3/{US_DOMAIN}/events", params={"limit": 300}).json()["items"]
    assert len(got) == len(seeded)
    assert got[0]["timestamp"] >= got[-1]["timestamp"]  # descending by default


# -- webhooks, routes, stored messages -------------------------------------------------------------


def test_webhooks_round_trip(fake: FakeMailgun, client: httpx.Client) -> None:
    path = f"/v3/domains/{US_DOMAIN}/webhooks"
    created = client.post(path, data={"id": "delivered", "url": ["https://h/1", "https://h/2"]})
    assert created.json() == {
        "message": "Webhook has been created",
        "webhook": {"urls": ["https://h/1", "https://h/2"]},
    }
    assert fake.calls[-1].form == {"id": "delivered", "url": ["https://h/1", "https://h/2"]}
    assert client.get(path).json() == {"webhooks": {"delivered": {"urls": ["https://h/1", "https://h/2"]}}}
    urls = ["https://h/a", "https://h/b", "https://h/c"]
    assert client.put(f"{path}/delivered", data={"url": urls}).json()["webhook"]["urls"] == urls
    too_many = client.put(f"{path}/delivered", data={"url": [*urls, "https://h/d"]})
    assert too_many.status_code == 400 and "Reason" in too_many.json()
    assert client.get(f"{path}/delivered").json() == {"webhook": {"urls": urls}}
    assert client.delete(f"{path}/delivered").json()["webhook"]["urls"] == urls
    assert client.get(f"{path}/delivered").status_code == 404
    assert fake.webhooks(US_DOMAIN) == {}
    assert len(fake.invalid_requests) == 1


def test_routes(fake: FakeMailgun, client: httpx.Client) -> None:
    data = {
        "priority": "1",
        "description": "inbound",
        "expression": "match_recipient('.*@mg.example.com')",
        "action": ['forward("https://h/inbound")', "stop()"],
    }
    route = client.post("/v3/routes", data=data).json()["route"]
    assert route["actions"] == data["action"] and route["priority"] == 1
    listed = client.get("/v3/routes").json()
    assert listed["total_count"] == 1 and listed["items"][0]["id"] == route["id"]
    assert fake.routes()[0]["description"] == "inbound"
    fake.assert_all_requests_valid()


def test_stored_messages_json_and_raw(fake: FakeMailgun, client: httpx.Client) -> None:
    message = json.loads(
        (PAYLOADS / "stored-message.storage-get-json-response.openapi-example.json").read_text()
    )
    raw = b"From: foo.bar@my-domain.com\r\nSubject: hi\r\n\r\nbody\r\n"
    url = fake.add_stored_message(US_DOMAIN, "KEY-1", message, raw_mime=raw)
    assert url == f"{fake.url}/v3/domains/{US_DOMAIN}/messages/KEY-1"
    assert client.get(url).json() == message
    mime = client.get(url, headers={"Accept": "message/rfc2822"}).json()
    assert mime["body-mime"] == raw.decode() and mime["from"] == message["From"]
    missing = client.get(f"/v3/domains/{US_DOMAIN}/messages/NOPE")
    assert (missing.status_code, missing.json()) == (404, {"message": "Message not found"})
    fake.assert_all_requests_valid()


# -- faults, recording, concurrency ----------------------------------------------------------------


def test_429_with_retry_after_or_body_retry_seconds_then_500(fake: FakeMailgun, client: httpx.Client) -> None:
    fake.fail_next(1, status=429, retry_after=3)
    fake.fail_next(1, status=429, body_retry_seconds=7)
    fake.fail_next(1, status=429)
    first, second, third = (client.get("/v3/lists/pages") for _ in range(3))
    assert (first.status_code, first.headers["Retry-After"]) == (429, "3")
    assert (second.status_code, second.json()["retry-seconds"]) == (429, 7)
    assert "Retry-After" not in second.headers and "retry-seconds" not in third.json()
    fake.fail_next(2, status=500, method="GET", path_prefix="/v3/routes")
    assert client.get("/v3/lists/pages").status_code == 200  # not matched
    assert [client.get("/v3/routes").status_code for _ in range(3)] == [500, 500, 200]


def test_hang_then_answer_and_stop_releases_hung_requests(fake: FakeMailgun, client: httpx.Client) -> None:
    fake.hang_next(1, 2.0, path_prefix="/v3/routes")
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get("/v3/routes", timeout=0.2)
    assert client.get("/v4/domains").status_code == 200  # other requests are not held up
    assert time.monotonic() - started < 1.5
    assert client.get("/v3/routes").status_code == 200  # one hang only
    slow = _started("us", [US_DOMAIN])
    slow.hang_next(1, 30)
    thread = threading.Thread(
        target=lambda: httpx.get(f"{slow.url}/v4/domains", auth=("api", KEY), timeout=60)
    )
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    _check_and_stop(slow)
    thread.join(timeout=5)
    assert not thread.is_alive() and time.monotonic() - started < 5


def test_recording_calls_to_and_reset(fake: FakeMailgun, client: httpx.Client) -> None:
    client.post(f"/v3/{US_DOMAIN}/bounces", json=[bounce("a@b.com")])
    client.get(f"/v3/{US_DOMAIN}/bounces", params={"limit": 5, "term": "a"})
    client.get("/v4/domains")
    (post,) = fake.calls_to("POST", f"/v3/{US_DOMAIN}/")
    assert post.json == [bounce("a@b.com")] and post.status == 200 and not post.invalid
    (get,) = fake.calls_to("GET", f"/v3/{US_DOMAIN}/bounces")
    assert get.query == {"limit": "5", "term": "a"}
    assert len(fake.calls_to()) == 3
    fake.fail_next(1, status=500)
    fake.reset()
    assert fake.calls == [] and fake.bounces(US_DOMAIN) == []
    assert client.get("/v4/domains").status_code == 200  # the pending fault went too


def test_instances_serve_concurrently(fake: FakeMailgun, eu_fake: FakeMailgun) -> None:
    def hammer(target: FakeMailgun, domain: str) -> None:
        with httpx.Client(base_url=target.url, auth=("api", KEY)) as c:
            for i in range(20):
                c.post(f"/v3/{domain}/bounces", json=[bounce(f"{threading.get_ident()}-{i}@b.com")])

    threads = [
        threading.Thread(target=hammer, args=pair) for pair in [(fake, US_DOMAIN), (eu_fake, EU_DOMAIN)] * 3
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.bounces(US_DOMAIN)) == len(eu_fake.bounces(EU_DOMAIN)) == 60
    assert len(fake.calls) == len(eu_fake.calls) == 60
    assert fake.invalid_requests == eu_fake.invalid_requests == []


def test_subaccounts_given_at_construction_own_their_domains_and_lists() -> None:
    sub = "mg.client.example"
    fake = FakeMailgun(
        "us", KEY, [US_DOMAIN], subaccounts={"6fr783930fhhriu673": [sub]}, validate_responses=True
    )
    fake.add_list(f"team@{sub}", owner="6fr783930fhhriu673")
    fake.add_member(f"team@{sub}", "bob@x.org")
    fake.add_list(f"all@{US_DOMAIN}")
    fake.start()
    behalf = {"X-Mailgun-On-Behalf-Of": "6fr783930fhhriu673"}
    try:
        with httpx.Client(base_url=fake.url, auth=("api", KEY), timeout=5) as client:
            own = client.get("/v4/domains").json()["items"]
            everyone = client.get("/v4/domains", params={"include_subaccounts": "true"}).json()["items"]
            theirs = client.get("/v4/domains", headers=behalf).json()["items"]
            parent_lists = client.get("/v3/lists/pages").json()["items"]
            their_lists = client.get("/v3/lists/pages", headers=behalf).json()["items"]
            hidden = client.get(f"/v3/lists/team@{sub}/members/pages")
            members = client.get(f"/v3/lists/team@{sub}/members/pages", headers=behalf).json()["items"]
            unsubscribed = client.put(f"/v3/lists/team@{sub}/members/bob@x.org", data={"subscribed": "no"})
            not_a_bool = client.get("/v4/domains", params={"include_subaccounts": "maybe"})
    finally:
        _check_and_stop(fake)
    assert [d["name"] for d in own] == [US_DOMAIN] and "subaccount_id" not in own[0]
    assert {d["name"]: d.get("subaccount_id") for d in everyone} == {
        US_DOMAIN: None,
        sub: "6fr783930fhhriu673",
    }
    assert [(d["name"], d.get("subaccount_id")) for d in theirs] == [(sub, None)]
    assert [x["address"] for x in parent_lists] == [f"all@{US_DOMAIN}"]
    assert [x["address"] for x in their_lists] == [f"team@{sub}"]
    assert hidden.status_code == 404 and unsubscribed.status_code == 404  # the parent does not see it
    assert [m["address"] for m in members] == ["bob@x.org"] and fake.members(f"team@{sub}")[0]["subscribed"]
    assert not_a_bool.status_code == 400
    fake.reset()
    assert fake.state.subaccounts == {sub: "6fr783930fhhriu673"}  # kept, like the domains
