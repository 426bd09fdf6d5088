"""A subaccount's domains (MAILGUN_SUBACCOUNTS): polled with `include_subaccounts`, called on its behalf
(`X-Mailgun-On-Behalf-Of`) with the parent's key; fake Mailgun hides them from the parent otherwise."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, delete

from app.core.models.polling import PollCursor
from app.core.settings import PollSettings
from tests.integration.reconcile_support import (
    KEY,
    US,
    Fakes,
    event_item,
    log_queries,
    now,
    settings_for_fakes,
    stored,
)
from workers.mailgun import subaccounts
from workers.mailgun.client import MailgunClient
from workers.poll.reconcile import poll_all

SUB, ACCOUNT = "mg.client.example", "5f1d2e3c4b5a69788796a5b4"
REGIONS = {US: "us", SUB: "us"}


def test_a_subaccounts_domain_is_polled_through_the_parent(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    fakes.us.add_subaccount_domain(SUB, ACCOUNT)
    fakes.us.add_events(SUB, [theirs := event_item(now() - timedelta(hours=1))])
    fakes.us.add_events(US, [ours := event_item(now() - timedelta(hours=1))])
    blind = settings_for_fakes(db_url, fakes, tmp_path, domain_regions=REGIONS)
    assert {r.domain: r.new for r in poll_all(engine, blind)} == {US: 1, SUB: 0}  # the parent's own logs only

    settings = settings_for_fakes(db_url, fakes, tmp_path, domain_regions=REGIONS, subaccounts={SUB: ACCOUNT})
    fakes.us.reset(state=False)
    with engine.begin() as connection:  # the cursors moved past the event the parent could not see
        connection.execute(delete(PollCursor))
    engine_reports = {r.domain: r.new for r in poll_all(engine, settings, now=now() + timedelta(minutes=1))}

    assert engine_reports[SUB] == 1 and set(stored(engine)) == {ours["id"], theirs["id"]}
    assert [q.get("include_subaccounts") for q in log_queries(fakes.us, SUB)] == [True]
    assert [q.get("include_subaccounts") for q in log_queries(fakes.us, US)] == [None]
    fakes.check()


def test_calls_on_a_subaccounts_domain_go_on_its_behalf(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    fakes.us.add_subaccount_domain(SUB, ACCOUNT)
    fakes.us.add_events(SUB, [item := event_item(now() - timedelta(hours=1))])
    record = [{"address": "gone@example.org", "code": "550", "error": "no such user",
               "created_at": "Thu, 11 Dec 2025 01:49:40 UTC"}]  # fmt: skip
    with MailgunClient("us", fakes.us.url, KEY, [US, SUB]) as parent:
        assert parent.add_suppressions("us", SUB, "bounces", record).status == 404  # not the parent's domain
    with MailgunClient("us", fakes.us.url, KEY, [US, SUB], subaccounts={SUB: ACCOUNT}) as client:
        assert client.add_suppressions("us", SUB, "bounces", record).ok
        assert client.add_suppressions("us", US, "bounces", record).ok
        assert client.webhooks("us", SUB) == {}
    events = settings_for_fakes(db_url, fakes, tmp_path, domain_regions=REGIONS, subaccounts={SUB: ACCOUNT},
                                poll=PollSettings(source="events"))  # fmt: skip
    assert [b["address"] for b in fakes.us.bounces(SUB)] == ["gone@example.org"]
    behalf = {c.path: c.headers.get("X-Mailgun-On-Behalf-Of") for c in fakes.us.calls if c.status < 300}
    assert behalf == {
        f"/v3/{SUB}/bounces": ACCOUNT,
        f"/v3/{US}/bounces": None,
        f"/v3/domains/{SUB}/webhooks": ACCOUNT,
    }
    assert {r.domain: r.new for r in poll_all(engine, events)}[SUB] == 1  # the Events API, on its behalf
    assert item["id"] in stored(engine)
    fakes.check()


def test_discovered_subaccount_domains_are_polled_and_called_on_their_behalf(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    # The subaccount and its domain exist before mailhook first calls; MAILGUN_SUBACCOUNTS names nothing.
    fakes.us.add_subaccount_domain(SUB, ACCOUNT)
    fakes.us.add_events(SUB, [theirs := event_item(now() - timedelta(hours=1))])
    settings = settings_for_fakes(db_url, fakes, tmp_path, domain_regions=REGIONS, discover_subaccounts=True)
    subaccounts.forget()
    try:
        assert {r.domain: r.new for r in poll_all(engine, settings)} == {US: 0, SUB: 1}
        with MailgunClient.for_region(settings, "us") as client:  # discovered once, kept a while
            assert client.subaccounts == {SUB: ACCOUNT}
            assert client.webhooks("us", SUB) == {}
    finally:
        subaccounts.forget()

    assert theirs["id"] in stored(engine)
    assert [q.get("include_subaccounts") for q in log_queries(fakes.us, SUB)] == [True]
    [discovery] = fakes.us.calls_to("GET", "/v4/domains")
    assert (discovery.status, discovery.query.get("include_subaccounts")) == (200, "true")
    assert discovery.headers.get("X-Mailgun-On-Behalf-Of") is None  # the parent asks about every subaccount
    hooks = fakes.us.calls_to("GET", f"/v3/domains/{SUB}/webhooks")
    assert [(c.status, c.headers.get("X-Mailgun-On-Behalf-Of")) for c in hooks] == [(200, ACCOUNT)]
    fakes.check()


def test_a_failed_discovery_leaves_the_configured_subaccounts(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    fakes.us.add_subaccount_domain(SUB, ACCOUNT)
    fakes.us.fail_next(3, status=503, path_prefix="/v4/domains")
    settings = settings_for_fakes(db_url, fakes, tmp_path, domain_regions=REGIONS, discover_subaccounts=True,
                                  subaccounts={SUB: ACCOUNT})  # fmt: skip
    subaccounts.forget()
    try:
        with MailgunClient.for_region(settings, "us") as client:
            assert client.subaccounts == {SUB: ACCOUNT}
        with MailgunClient.for_region(settings, "eu") as client:
            assert client.subaccounts == {}  # the EU host holds none of them
    finally:
        subaccounts.forget()
    assert [c.status for c in fakes.us.calls_to("GET", "/v4/domains")] == [503, 503, 503]
