"""Expected normalization of every event payload in the shared Mailgun corpus, written out by hand.

Keys are payload file names; items of the Events API page file are `<file>#<page name>`. An id of exactly
"derived-" or "legacy-" means "a derived id with that prefix" (its exact value is pinned elsewhere).
"""

from __future__ import annotations

from typing import Any

# mail.invoicing.co's storage URLs point at a US host: configuration must still win.
DOMAIN_REGIONS = {"mail.invoicing.co": "eu", "example.org": "us"}

EVENTS_API_FILE = "events-api-response.all-types.openapi-examples.json"

_DEFAULTS: dict[str, Any] = {
    "severity": None,
    "tags": [],
    "user_variables": {},
    "reason": None,
    "delivery_status": None,
    "url": None,
    "ip": None,
}
_DASHBOARD_TAGS = ["my_tag_1", "my_tag_2"]
_DASHBOARD_VARS = {"my_var_1": "Mailgun Variable #1", "my-var-2": "awesome"}
_SNOWPLOW_VARS = {"my_var_1": "Mailgun Variable #1", "my-var-2": "awesome"}
_SNOWPLOW_DOMAIN = "sandboxbcd3ccb1a529415db665622619a61616.mailgun.org"
_DOCS_MID = "20180622182958.1.48906CB188F1A454@exmple.org"
_SANDBOX_MID = "20180622220256.1.B31A451A2E5422BB@sandbox55887fac92de874df5ae0023b75fd62f1d.mailgun.org"
_SANDBOX_REASON = (
    "Sandbox subdomains are for test purposes only. Please add your own domain or add the address to "
    "authorized recipients in Account Settings."
)


def status(
    code: int | None,
    message: str | None = None,
    description: str | None = None,
    attempt_no: int | None = None,
    enhanced_code: str | None = None,
) -> dict[str, Any]:
    return {
        "code": code,
        "enhanced_code": enhanced_code,
        "message": message,
        "description": description,
        "attempt_no": attempt_no,
        "bounce_type": None,
    }


def expect(**fields: Any) -> dict[str, Any]:
    return {**_DEFAULTS, **fields}


_OK = status(250, "OK", attempt_no=1)
_SUPPRESS_BOUNCE = status(605, None, "Not delivering to previously bounced address", 1)

EXPECTED: dict[str, dict[str, Any]] = {
    # --- webhook JSON bodies ---
    "accepted.webhook-json.official-docs-2026.json": expect(
        event="accepted", type="queued", mailgun_event_id="CCXMjJ7nQi2N3BPigGOdgQ",
        occurred_at="2026-02-03T19:26:38.372000+00:00", region="us", domain="sample.mailgun.com",
        recipient="recipient@sample.mailgun.com",
        message_id="20260203192638.000be97f99f8cea1@sample.mailgun.com", tags=["webhook_payload"],
    ),
    "clicked.webhook-json.anymail.json": expect(
        event="clicked", type="clicked", mailgun_event_id="derived-",
        occurred_at="2018-08-12T21:33:20.089000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id=None, url="https://example.com/test",
    ),
    "complained.webhook-json.anymail.json": expect(
        event="complained", type="complained", mailgun_event_id="ncV2XwymRUKbPek_MIM-Gw",
        occurred_at="2013-08-22T23:31:00.049000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20130718032413.263EE2E0926@example.org",
    ),
    "complained.webhook-json.mailgun-dashboard-test.json": expect(
        event="complained", type="complained", mailgun_event_id="-Agny091SquKnsrW2NEKUA",
        occurred_at="2018-03-16T20:45:23.501000+00:00", region="us", domain=None,
        recipient="alice@example.com", message_id="20110215055645.25246.63817@mail.invoicing.co",
        tags=_DASHBOARD_TAGS, user_variables=_DASHBOARD_VARS,
    ),
    "delivered.webhook-json.anymail-real-sanitized.json": expect(
        event="delivered", type="delivered", mailgun_event_id="hTWCTD81RtiDN-...",
        occurred_at="2018-08-12T21:17:17.153000+00:00", region="us", domain="example.org",
        recipient="recipient@example.com", message_id="20180812211713.1.DF5966851B4BAA99@example.org",
        delivery_status=_OK,
    ),
    "delivered.webhook-json.hga-eu-storage.json": expect(
        event="delivered", type="delivered", mailgun_event_id="keyP8fYaT2ygVbukUFBmzg",
        occurred_at="2019-05-24T09:16:10.009000+00:00", region="eu", domain="automated-mail.test.live",
        recipient="test@test.com", message_id="20190524091609.1.F80279C0D062D6F5@automated-mail.test.com",
        delivery_status=_OK,
    ),
    "delivered.webhook-json.mailgun-dashboard-test.json": expect(
        event="delivered", type="delivered", mailgun_event_id="CPgfbmQMTCKtHW6uIWtuVe",
        occurred_at="2018-03-19T15:11:02.908000+00:00", region="eu", domain="mail.invoicing.co",
        recipient="alice@example.com", message_id="20130503182626.18666.16540@mail.invoicing.co",
        tags=_DASHBOARD_TAGS, user_variables=_DASHBOARD_VARS, delivery_status=_OK,
    ),
    "failed-permanent.webhook-json.anymail.json": expect(
        event="failed", severity="permanent", type="bounced", mailgun_event_id="derived-",
        occurred_at="2018-08-12T21:47:02.389000+00:00", region="us", domain=None,
        recipient="invalid@example.com", message_id="20180812214658.1.0DF563D0B3597700@example.org",
        reason="bounce",
        delivery_status=status(
            550,
            "5.1.1 The email account that you tried to reach does not exist. Please try\n"
            "5.1.1 double-checking the recipient's email address for typos",
            attempt_no=1,
        ),
    ),
    "failed-permanent-suppress-bounce.webhook-json.mailgun-dashboard-test.json": expect(
        event="failed", severity="permanent", type="bounced", mailgun_event_id="G9Bn5sl1TC6nu79C8C0bwg",
        occurred_at="2018-03-16T20:46:35.375000+00:00", region="eu", domain="mail.invoicing.co",
        recipient="alice@example.com", message_id="20130503192659.13651.20287@mail.invoicing.co",
        tags=_DASHBOARD_TAGS, user_variables=_DASHBOARD_VARS, reason="suppress-bounce",
        delivery_status=_SUPPRESS_BOUNCE,
    ),
    "failed-temporary.webhook-json.anymail.json": expect(
        event="failed", severity="temporary", type="deferred", mailgun_event_id="derived-",
        occurred_at="2018-08-12T22:11:39.659000+00:00", region="us", domain=None,
        recipient="undeliverable@nomx.example.com",
        message_id="20180812214638.1.4A7D468E9BC18C5D@example.org", reason="generic",
        delivery_status=status(498, "No MX for nomx.example.com", "No MX for nomx.example.com", 3),
    ),
    "failed-temporary-greylisted.webhook-json.anymail.json": expect(
        event="failed", severity="temporary", type="deferred", mailgun_event_id="derived-",
        occurred_at="2018-08-12T22:11:39.659000+00:00", region="us", domain=None,
        recipient="undeliverable@mx.example.com",
        message_id="20180812214638.1.4A7D468E9BC18C5D@example.org", reason="greylisted",
        delivery_status=status(
            450, "Recipient address rejected: Greylisted", "Recipient address rejected: Greylisted", 1
        ),
    ),
    "opened.webhook-json.anymail.json": expect(
        event="opened", type="opened", mailgun_event_id="derived-",
        occurred_at="2018-08-12T21:33:20.089000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20180812213139.1.BC6694A917BB7E6A@example.org",
        tags=["welcome", "variation-A"], user_variables={"cohort": "2018-08-B", "user_id": "123456"},
        ip="888.222.444.111",
    ),
    "opened.webhook-json.mailgun-dashboard-test.json": expect(
        event="opened", type="opened", mailgun_event_id="Ase7i2zsRYeDXztHGENqRA",
        occurred_at="2018-03-16T23:35:39.873000+00:00", region="us", domain=None,
        recipient="alice@example.com", message_id="20130503182626.18666.16540@mail.invoicing.co",
        tags=_DASHBOARD_TAGS, user_variables=_DASHBOARD_VARS, ip="50.56.129.169",
    ),
    "rejected.webhook-json.anymail.json": expect(
        event="rejected", type="rejected", mailgun_event_id="derived-",
        occurred_at="2018-06-22T22:02:56.104000+00:00", region="us", domain=None,
        recipient="recipient@example.org",
        message_id="20180622220256.1.B31A451A2E5422BB@sandbox55887.mailgun.org",
        reason="Sandbox subdomains are for test purposes only.",
    ),
    "unsubscribed.webhook-json.anymail.json": expect(
        event="unsubscribed", type="unsubscribed", mailgun_event_id="W3X4JOhFT-OZidZGKKr9iA",
        occurred_at="2013-08-22T23:23:11.421000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20130822232216.13966.79700@samples.mailgun.org",
    ),
    "unsubscribed.webhook-json.mailgun-dashboard-test.json": expect(
        event="unsubscribed", type="unsubscribed", mailgun_event_id="Ase7i2zsRYeDXztHGENqRA",
        occurred_at="2018-03-16T23:35:39.873000+00:00", region="us", domain=None,
        recipient="alice@example.com",
        message_id="20130503182626.18666.16540@sandboxf44696c342d9425abae785deb255717e.mailgun.org",
        tags=_DASHBOARD_TAGS, user_variables=_DASHBOARD_VARS, ip="50.56.129.169",
    ),
    # --- bare event-data objects (Events API items) ---
    "accepted.event-data.mailgun-docs-api-events.json": expect(
        event="accepted", type="queued", mailgun_event_id="jxVuhYlhReaK3QsggHfFRA",
        occurred_at="2018-06-22T18:29:58.641000+00:00", region="us", domain="example.org",
        recipient="team@example.org", message_id=_DOCS_MID,
    ),
    "accepted-routed.event-data.mailgun-docs-api-events.json": expect(
        event="accepted", type="queued", mailgun_event_id="cWgTfzV6QQiXY4PqhlLClw",
        occurred_at="2018-06-22T18:29:58.719000+00:00", region="us", domain="example.org",
        recipient="john@example.com", message_id=_DOCS_MID,
    ),
    "clicked.event-data.mailgun-docs-api-events.json": expect(
        event="clicked", type="clicked", mailgun_event_id="G5zMz2ysS6OxZ2C8xb2Tqg",
        occurred_at="2013-08-21T08:59:24.094000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20130821085807.30688.67706@samples.mailgun.org",
        url="http://example.com/signup", ip="123.123.123.321",
    ),
    "complained.event-data.mailgun-docs-api-events.json": expect(
        event="complained", type="complained", mailgun_event_id="ncV2XwymRUKbPek_MIM-Gw",
        occurred_at="2013-08-22T23:31:00.049000+00:00", region="us", domain=None,
        recipient="foo@example.com", message_id="20130718032413.263EE2E0926@example.com",
    ),
    "delivered.event-data.mailgun-docs-api-events.json": expect(
        # The storage URL's path is elided ("/v3/domains/..."): the domain comes from the envelope sender.
        event="delivered", type="delivered", mailgun_event_id="hK7mQVt1QtqRiOfQXta4sw",
        occurred_at="2018-06-22T18:29:59.626000+00:00", region="us", domain="example.org",
        recipient="john@example.com", message_id=_DOCS_MID, delivery_status=_OK,
    ),
    "failed-permanent-delayed-bounce.event-data.mailgun-docs-api-events.json": expect(
        # 1666214138.4046676 has seven decimals: rounded half-even to the microsecond.
        event="failed", severity="permanent", type="bounced", mailgun_event_id="ZDMqRgjLTDi6rQcy7K60aA",
        occurred_at="2022-10-19T21:15:38.404000+00:00", region="us", domain=None,
        recipient="christest123@test.com", message_id="20221019211537.93011d31ea99c5a8@test.com",
        reason="generic",
        delivery_status=status(
            550,
            "smtp; 550-5.1.1 The email account that you tried to reach does not exist.",
            "I'm sorry to have to inform you that your message could not be delivered to one or more "
            "recipients.",
            enhanced_code="5.1.1",
        ),
    ),
    "failed-permanent-suppress-bounce.event-data.mailgun-docs-api-events.json": expect(
        event="failed", severity="permanent", type="bounced", mailgun_event_id="pl271FzxTTmGRW8Uj3dUWw",
        occurred_at="2018-06-22T21:12:49.818000+00:00", region="us", domain="example.org",
        recipient="slava@mailgun.com", message_id="20180622211249.1.2A6098970A380E12@example.org",
        reason="suppress-bounce", delivery_status=_SUPPRESS_BOUNCE,
    ),
    "failed-temporary.event-data.mailgun-docs-api-events.json": expect(
        event="failed", severity="temporary", type="deferred", mailgun_event_id="xYrATi63Rke8EC_s7EoJeA",
        occurred_at="2022-10-06T14:28:43.871000+00:00", region="us", domain="test.com",
        recipient="test@test.com", message_id="20221006142837.1618e01bf42da9fa@test.com", reason="generic",
        delivery_status=status(
            451,
            "4.7.652 The mail server [xxx.xxx.xxx.xxx] has exceeded the maximum number of connections.",
            attempt_no=1,
            enhanced_code="4.7.652",
        ),
    ),
    "list_member_upload_error.event-data.mailgun-docs-api-events.json": expect(
        event="list_member_upload_error", type="unknown", mailgun_event_id="Kr9ZsE8ATfqhNHYmRKlrHg",
        occurred_at="2019-04-16T18:46:44.488000+00:00", region="us", domain=None, recipient=None,
        message_id=None, reason="Invalid format",
    ),
    "list_member_uploaded.event-data.mailgun-docs-api-events.json": expect(
        event="list_member_uploaded", type="unknown", mailgun_event_id="2342sd234asDSDsdfsd",
        occurred_at="2019-04-16T18:26:38.849000+00:00", region="us", domain=None, recipient=None,
        message_id=None,
    ),
    "list_uploaded.event-data.mailgun-docs-api-events.json": expect(
        event="list_uploaded", type="unknown", mailgun_event_id="Kr9ZsE8ATfqhNHYmRKlrHg",
        occurred_at="2019-04-16T18:47:01.099000+00:00", region="us", domain=None, recipient=None,
        message_id=None,
    ),
    "opened-bot-apple.event-data.mailgun-docs-partial.json": expect(
        event="opened", type="opened", mailgun_event_id="derived-",
        occurred_at="2022-05-18T14:17:15.279000+00:00", region="us", domain=None,
        recipient="bot@apple.com", message_id=None,
    ),
    "opened.event-data.mailgun-docs-api-events.json": expect(
        event="opened", type="opened", mailgun_event_id="-laxIqj9QWubsjY_3pTq_g",
        occurred_at="2013-08-21T01:09:03.042000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20130821005614.19826.35976@samples.mailgun.org",
        ip="111.111.111.111",
    ),
    "rejected.event-data.mailgun-docs-api-events.json": expect(
        event="rejected", type="rejected", mailgun_event_id="OMTXD3-sSmKIQa1gSKkYVA",
        occurred_at="2018-06-22T22:02:56.104000+00:00", region="us", domain=None,
        recipient="joan@example.org", message_id=_SANDBOX_MID, reason=_SANDBOX_REASON,
    ),
    "stored.event-data.mailgun-docs-api-events.json": expect(
        # No `recipient` field: the To header names it.
        event="stored", type="stored", mailgun_event_id="WRVmVc47QYi4DHth_xpRUA",
        occurred_at="2018-06-22T18:29:58.691000+00:00", region="us", domain="example.org",
        recipient="team@example.org", message_id=_DOCS_MID,
    ),
    "unsubscribed.event-data.mailgun-docs-api-events.json": expect(
        event="unsubscribed", type="unsubscribed", mailgun_event_id="W3X4JOhFT-OZidZGKKr9iA",
        occurred_at="2013-08-22T23:23:11.421000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20130822232216.13966.79700@samples.mailgun.org",
        ip="23.23.23.345",
    ),
    # --- one Events API page per event type ---
    f"{EVENTS_API_FILE}#Rejected": expect(
        event="rejected", type="rejected", mailgun_event_id="OMTXD3-sSmKIQa1gSKkYVA",
        occurred_at="2018-06-22T22:02:56.104000+00:00", region="us", domain=None,
        recipient="joan@example.org", message_id=_SANDBOX_MID, reason=_SANDBOX_REASON,
    ),
    f"{EVENTS_API_FILE}#Stored": expect(
        event="stored", type="stored", mailgun_event_id="WRVmVc47QYi4DHth_xpRUA",
        occurred_at="2018-06-22T18:29:58.691000+00:00", region="us", domain="example.org",
        recipient="team@example.org", message_id=_DOCS_MID,
    ),
    f"{EVENTS_API_FILE}#Complained": expect(
        event="complained", type="complained", mailgun_event_id="ncV2XwymRUKbPek_MIM-Gw",
        occurred_at="2013-08-22T23:31:00.049000+00:00", region="us", domain=None,
        recipient="foo@example.com", message_id="20130718032413.263EE2E0926@example.com",
    ),
    f"{EVENTS_API_FILE}#Unsubscribed": expect(
        event="unsubscribed", type="unsubscribed", mailgun_event_id="W3X4JOhFT-OZidZGKKr9iA",
        occurred_at="2013-08-22T23:23:11.421000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20130822232216.13966.79700@samples.mailgun.org",
        ip="23.23.23.345",
    ),
    f"{EVENTS_API_FILE}#Clicked": expect(
        event="clicked", type="clicked", mailgun_event_id="G5zMz2ysS6OxZ2C8xb2Tqg",
        occurred_at="2013-08-21T08:59:24.094000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20130821085807.30688.67706@samples.mailgun.org",
        url="http://example.com/signup", ip="123.123.123.321",
    ),
    f"{EVENTS_API_FILE}#Opened": expect(
        event="opened", type="opened", mailgun_event_id="-laxIqj9QWubsjY_3pTq_g",
        occurred_at="2013-08-21T01:09:03.042000+00:00", region="us", domain=None,
        recipient="recipient@example.com", message_id="20130821005614.19826.35976@samples.mailgun.org",
        ip="111.111.111.111",
    ),
    f"{EVENTS_API_FILE}#Failed": expect(
        event="failed", severity="permanent", type="bounced", mailgun_event_id="pl271FzxTTmGRW8Uj3dUWw",
        occurred_at="2018-06-22T21:12:49.818000+00:00", region="us", domain="example.org",
        recipient="slava@mailgun.com", message_id="20180622211249.1.2A6098970A380E12@example.org",
        reason="suppress-bounce", delivery_status=_SUPPRESS_BOUNCE,
    ),
    f"{EVENTS_API_FILE}#Delivered": expect(
        event="delivered", type="delivered", mailgun_event_id="hK7mQVt1QtqRiOfQXta4sw",
        occurred_at="2018-06-22T18:29:59.626000+00:00", region="us", domain="example.org",
        recipient="john@example.com", message_id=_DOCS_MID, delivery_status=_OK,
    ),
    f"{EVENTS_API_FILE}#Accepted": expect(
        event="accepted", type="queued", mailgun_event_id="jxVuhYlhReaK3QsggHfFRA",
        occurred_at="2018-06-22T18:29:58.641000+00:00", region="us", domain="example.org",
        recipient="team@example.org", message_id=_DOCS_MID,
    ),
    # --- legacy form posts ---
    "bounced-550.legacy-form.anymail-partial.json": expect(
        event="bounced", type="bounced", mailgun_event_id="legacy-",
        occurred_at="2009-02-13T23:31:30+00:00", region="us", domain=None,
        recipient="noreply@example.com", message_id=None,
        delivery_status=status(
            550,
            "550 5.1.1 The email account that you tried to reach does not exist. Please try     5.1.1 "
            "double-checking the recipient's email address for typos or     5.1.1 unnecessary spaces.",
        ),
    ),
    "bounced-enhanced-code.legacy-form.anymail-partial.json": expect(
        event="bounced", type="bounced", mailgun_event_id="legacy-",
        occurred_at="2009-02-13T23:31:30+00:00", region="us", domain=None,
        recipient="noreply@example.com", message_id=None,
        delivery_status=status(
            None, "smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", enhanced_code="5.1.1"
        ),
    ),
    "clicked-user-variable-collisions.legacy-form.anymail-simulated.json": expect(
        event="clicked", type="clicked", mailgun_event_id="legacy-",
        occurred_at="2016-04-21T17:55:30+00:00", region="us", domain=None,
        recipient="actual-recipient@example.com", message_id=None, tags=["actual-tag-1", "actual-tag-2"],
        user_variables={
            "event": "metadata-event",
            "recipient": "metadata-recipient",
            "token": "metadata-token",
            "timestamp": "metadata-timestamp",
            "signature": "metadata-signature",
            "ordinary field": "ordinary metadata value",
        },
        url="http://clicked.example.com/actual/event/param",
    ),
    "clicked.legacy-form.snowplow-mailgun-test.json": expect(
        event="clicked", type="clicked", mailgun_event_id="legacy-",
        occurred_at="2016-06-30T14:31:09+00:00", region="us", domain=_SNOWPLOW_DOMAIN,
        recipient="alice@example.com", message_id=None, user_variables=_SNOWPLOW_VARS,
        url="http://mailgun.net", ip="50.56.129.169",
    ),
    "delivered.legacy-form.anymail.json": expect(
        event="delivered", type="delivered", mailgun_event_id="legacy-",
        occurred_at="2016-04-21T17:55:30+00:00", region="us", domain="example.com",
        recipient="recipient@example.com", message_id="20160421175529.19495.89030.B3AE3728@example.com",
    ),
    "delivered.legacy-form.snowplow-mailgun-test.json": expect(
        event="delivered", type="delivered", mailgun_event_id="legacy-",
        occurred_at="2016-06-27T15:19:10+00:00", region="us", domain=_SNOWPLOW_DOMAIN,
        recipient="test@snowplowanalytics.com",
        message_id=f"20160627151901.3295.78981.1336C636@{_SNOWPLOW_DOMAIN}",
    ),
    "dropped-hardfail-605.legacy-form.anymail.json": expect(
        event="dropped", type="rejected", mailgun_event_id="legacy-",
        occurred_at="2016-04-21T17:55:30+00:00", region="us", domain="example.com",
        recipient="bounce@example.com", message_id="20160421180324.70521.79375.96884DDB@example.com",
        reason="hardfail (605)",
        delivery_status=status(605, None, "Not delivering to previously bounced address"),
    ),
    "dropped-old-499.legacy-form.anymail-partial.json": expect(
        event="dropped", type="rejected", mailgun_event_id="legacy-",
        occurred_at="2009-02-13T23:31:30+00:00", region="us", domain=None,
        recipient="complaint@example.com", message_id=None, reason="old (499)",
        delivery_status=status(499, None, "Unable to connect to MX servers: [example.com]"),
    ),
    "dropped-spam-607.legacy-form.anymail-partial.json": expect(
        event="dropped", type="rejected", mailgun_event_id="legacy-",
        occurred_at="2009-02-13T23:31:30+00:00", region="us", domain=None,
        recipient="complaint@example.com", message_id=None, reason="hardfail (607)",
        delivery_status=status(607, None, "Not delivering to a user who marked your messages as spam"),
    ),
    "opened.legacy-form.snowplow-mailgun-test.json": expect(
        event="opened", type="opened", mailgun_event_id="legacy-",
        occurred_at="2016-06-30T14:32:08+00:00", region="us", domain=_SNOWPLOW_DOMAIN,
        recipient="alice@example.com", message_id=None, user_variables=_SNOWPLOW_VARS, ip="50.56.129.169",
    ),
    "unsubscribed.legacy-form.snowplow-mailgun-test.json": expect(
        event="unsubscribed", type="unsubscribed", mailgun_event_id="legacy-",
        occurred_at="2016-06-30T14:30:59+00:00", region="us", domain=_SNOWPLOW_DOMAIN,
        recipient="alice@example.com", message_id=None, tags=["*"], user_variables=_SNOWPLOW_VARS,
        ip="50.56.129.169",
    ),
}  # fmt: skip
