"""The operator's console in a real browser (Debian's chromium through chromium-driver) against real gunicorn
and Celery processes: search, the recipient, message, domain, dead-letter, sync and live pages, and their
buttons. Each page's screenshot is kept in var/test-artifacts/ (console-*.png)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.conftest import REPO
from tests.e2e.conftest import API_TOKEN, Service
from tests.e2e.test_dashboard_browser import seed
from tests.integration.conftest import add_event
from tests.integration.sync_support import add_sync_rows

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO / "var" / "test-artifacts"
BOUNCED = "invalid@example.com"  # failed-permanent.webhook-json.anymail.json
MESSAGE_ID = "20180812213139.1.BC6694A917BB7E6A@example.org"  # opened.webhook-json.anymail.json
# Everything that means something in a URL or in HTML, through a real gunicorn's path decoding.
HOSTILE_ADDRESS = "/o'neil/../x?y=1#frag%2f\"<b>@example.org"
HOSTILE_MESSAGE = "a//../../b?c#d%25\"'<i>x</i>@mail.example.com"


def keep_screenshot(driver, name: str) -> None:  # type: ignore[no-untyped-def]
    path = ARTIFACTS / f"console-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def seed_console(engine: Engine) -> None:
    """What webhooks alone do not make here: a suppression, a failed sync action, a week of one domain."""
    add_sync_rows(engine, BOUNCED, status="failed", domain="example.com", last_error="400: Bad Request")
    now = datetime.now(UTC)
    add_event(engine, recipient=HOSTILE_ADDRESS, message_id=HOSTILE_MESSAGE, occurred_at=now)
    for n, kind in enumerate(["delivered"] * 30 + ["bounced"] * 3 + ["complained"]):
        add_event(
            engine,
            domain="samples.mailgun.org",
            region="us",
            type=kind,
            recipient=f"u{n}@example.net",
            occurred_at=now - timedelta(hours=n % 30),
        )


def test_the_console_answers_what_happened_and_acts_on_it(
    service: Service,
    browser,  # type: ignore[no-untyped-def]
    pg_engine: Engine,
) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import (
        presence_of_element_located,
        visibility_of_element_located,
    )
    from selenium.webdriver.support.wait import WebDriverWait

    # A condition reading an element of the page being left finds it gone: look again.
    wait = WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,))

    def go(css: str) -> None:
        wait.until(presence_of_element_located((By.CSS_SELECTOR, css)))

    seed(service)
    seed_console(pg_engine)
    browser.get(service.base_url + "/dashboard/domains")
    assert browser.current_url.endswith("/dashboard/login")  # every page is behind the sign-in form
    browser.find_element(By.NAME, "token").send_keys(API_TOKEN)
    browser.find_element(By.ID, "sign-in").click()
    go("#tile-dead")

    # Search by Message-ID in angle brackets: straight to the message's timeline.
    box = browser.find_element(By.CSS_SELECTOR, "#search input[name=q]")
    box.send_keys(f"<{MESSAGE_ID}>")
    browser.find_element(By.ID, "search-go").click()
    go("#timeline")
    assert browser.find_element(By.ID, "message-id").text == MESSAGE_ID
    assert "San Francisco" in browser.find_element(By.CSS_SELECTOR, "#timeline .place").text
    payload = browser.find_element(By.CSS_SELECTOR, "details.payload pre")
    assert not payload.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "details.payload summary").click()  # one click to the raw payload
    assert wait.until(visibility_of_element_located((By.CSS_SELECTOR, "details.payload pre")))
    assert '"client-info"' in payload.text
    keep_screenshot(browser, "message")

    # A hostile Message-ID typed into the search, and the link from its timeline to a hostile address.
    box = browser.find_element(By.CSS_SELECTOR, "#search input[name=q]")
    box.send_keys(f"<{HOSTILE_MESSAGE}>")
    browser.find_element(By.ID, "search-go").click()
    wait.until(lambda driver: driver.find_element(By.ID, "message-id").text == HOSTILE_MESSAGE)
    assert not browser.find_elements(By.CSS_SELECTOR, "#timeline b, #timeline i")  # shown, not obeyed
    browser.find_element(By.CSS_SELECTOR, "a.recipient-link").click()
    wait.until(lambda driver: driver.find_element(By.ID, "recipient-address").text == HOSTILE_ADDRESS)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#events tr.event")) == 1
    browser.back()
    browser.back()
    go("a.recipient-link")

    # From the timeline to the recipient; then search an address to the bounced one's page.
    browser.find_element(By.CSS_SELECTOR, "a.recipient-link").click()
    go("#recipient-address")
    assert browser.find_element(By.ID, "recipient-address").text == "recipient@example.com"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#events tr.event")) == 9  # 3 of each of 3 samples
    box = browser.find_element(By.CSS_SELECTOR, "#search input[name=q]")
    box.send_keys(BOUNCED.upper())
    browser.find_element(By.ID, "search-go").click()
    go("#suppressions")
    assert browser.find_element(By.ID, "recipient-address").text == BOUNCED
    assert browser.find_elements(By.CSS_SELECTOR, "#lists td")[0].text == "team@example.com"
    browser.find_element(By.CSS_SELECTOR, "button.remove-suppression").click()
    go("#queued")
    kinds = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#actions tr.action td:nth-child(2)")]
    assert "bounce_delete" in kinds
    keep_screenshot(browser, "recipient")

    browser.find_element(By.LINK_TEXT, "Domains").click()
    go("#domain-health")
    row = browser.find_element(By.ID, "domain-us-samples.mailgun.org")
    bounce = row.find_element(By.CSS_SELECTOR, "td.bounce-rate")
    assert bounce.text == "11.11%"  # 3 / (24 + 3): the 24 h window holds 24 of the 30
    assert "bad" in bounce.get_attribute("class")
    colour = bounce.value_of_css_property("color")
    assert colour in ("rgba(201, 42, 42, 1)", "rgb(201, 42, 42)")  # red, as the page says
    keep_screenshot(browser, "domains")

    browser.find_element(By.LINK_TEXT, "Dead letters").click()
    go("#dead-letters")
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.dead-letter")) == 1
    keep_screenshot(browser, "dead-letters")
    browser.find_element(By.CSS_SELECTOR, "button.replay-one").click()
    go("#replayed")
    assert browser.find_element(By.ID, "replayed").text.startswith("1 dead letters replayed")

    browser.find_element(By.LINK_TEXT, "Sync").click()
    go("#sync-failed")
    assert "400: Bad Request" in browser.find_element(By.CSS_SELECTOR, "tr.sync-action").text
    keep_screenshot(browser, "sync")
    browser.find_element(By.CSS_SELECTOR, "button.retry").click()
    go("#retried")
    assert not browser.find_elements(By.CSS_SELECTOR, "tr.sync-action")

    browser.find_element(By.LINK_TEXT, "Live").click()
    go("#live")
    refresh = browser.find_element(By.CSS_SELECTOR, "meta[http-equiv=refresh]").get_attribute("content")
    assert refresh == "10"
    keep_screenshot(browser, "live")

    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith(service.base_url) for name in resources)
    scripts = browser.execute_script("return document.scripts.length")
    assert scripts == 0
