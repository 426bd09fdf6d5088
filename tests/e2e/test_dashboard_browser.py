"""The operator's dashboard in a real browser (Debian's chromium, driven through chromium-driver)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.conftest import REPO, payload, sign
from tests.e2e.conftest import API_TOKEN, Service

pytestmark = pytest.mark.e2e
SCREENSHOT = REPO / "var" / "test-artifacts" / "dashboard.png"


def seed(service: Service) -> None:
    samples = [
        "delivered.webhook-json.anymail-real-sanitized.json",
        "failed-permanent.webhook-json.anymail.json",
        "opened.webhook-json.anymail.json",
        "clicked.webhook-json.anymail.json",
    ]
    import time

    with httpx.Client(base_url=service.base_url, timeout=10) as client:
        for n, sample in enumerate(samples * 3):
            document = payload(sample)
            document["event-data"]["id"] = uuid.uuid4().hex
            document["event-data"]["timestamp"] = time.time() - n * 1800  # spread over the last hours
            document["signature"] = sign()
            client.post(
                "/webhooks/mailgun",
                content=json.dumps(document),
                headers={"Content-Type": "application/json"},
            ).raise_for_status()
        broken = {"signature": sign(), "event-data": "not an event"}  # becomes a dead letter
        client.post(
            "/webhooks/mailgun", content=json.dumps(broken), headers={"Content-Type": "application/json"}
        )
        wait_until_drained(client)


def wait_until_drained(client: httpx.Client) -> None:
    import time

    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    for _ in range(100):
        events = client.get("/api/v1/events", headers=headers).json()["items"]
        dead = client.get("/api/v1/dead-letters", headers=headers).json()["items"]
        if len(events) == 12 and len(dead) == 1:
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not drain the seeded deliveries")


def test_dashboard_shows_the_service_state_after_signing_in(service: Service, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import (
        presence_of_element_located,
        visibility_of_element_located,
    )
    from selenium.webdriver.support.wait import WebDriverWait

    wait = WebDriverWait(browser, 15)

    seed(service)
    browser.get(service.base_url + "/dashboard")
    assert browser.current_url.endswith("/dashboard/login")
    browser.find_element(By.NAME, "token").send_keys("not-the-token")
    browser.find_element(By.ID, "sign-in").click()
    # A click submits the form; the answer is a new page, so wait for it rather than race it.
    assert wait.until(visibility_of_element_located((By.ID, "login-error")))

    browser.find_element(By.NAME, "token").send_keys(API_TOKEN)
    browser.find_element(By.ID, "sign-in").click()
    wait.until(presence_of_element_located((By.ID, "tile-dead")))
    assert browser.current_url.endswith("/dashboard")
    tile = browser.find_element(By.ID, "tile-dead").text
    assert tile.split()[-1] == "1"
    assert browser.find_element(By.ID, "tile-events").text.split()[-1] == "12"
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar")
    assert len(bars) >= 4
    cookie = browser.get_cookie("mailhook_dashboard")
    assert cookie is not None and cookie["httpOnly"] and API_TOKEN not in cookie["value"]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith(service.base_url) for name in resources)

    # The forms carry this browser's CSRF token (without it a POST is refused: tests/integration/dashboard);
    # signing out through the real form ends the browser's session cookie.
    assert browser.find_element(By.CSS_SELECTOR, "form input[name=csrf_token]").get_attribute("value")
    browser.find_element(By.ID, "sign-out").click()
    wait.until(presence_of_element_located((By.ID, "sign-in")))
    assert browser.current_url.endswith("/dashboard/login")
    assert browser.get_cookie("mailhook_dashboard") is None
    # The session ended on the server: the old cookie, put back in the browser, opens nothing.
    browser.add_cookie({k: cookie[k] for k in ("name", "value", "path", "httpOnly")})
    browser.get(service.base_url + "/dashboard")
    assert browser.current_url.endswith("/dashboard/login")
    # Signing in again makes a new session, not the same cookie again.
    browser.find_element(By.NAME, "token").send_keys(API_TOKEN)
    browser.find_element(By.ID, "sign-in").click()
    wait.until(presence_of_element_located((By.ID, "tile-dead")))
    again = browser.get_cookie("mailhook_dashboard")
    assert again is not None and again["value"] != cookie["value"]


def test_dashboard_without_credentials_never_shows_data(service: Service) -> None:
    response = httpx.get(service.base_url + "/dashboard", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/login")
    wrong = httpx.get(service.base_url + "/dashboard", headers={"Authorization": "Bearer nope"})
    assert "tile-pending" not in wrong.text
    ok = httpx.get(service.base_url + "/dashboard", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert ok.status_code == 200 and "tile-pending" in ok.text
    assert "default-src 'none'" in ok.headers["Content-Security-Policy"]
