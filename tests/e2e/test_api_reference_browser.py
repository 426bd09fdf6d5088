"""The API reference page in a real browser: reached through the dashboard's sign-in, rendered by the vendored
Redoc under the page's Content-Security-Policy, with every documented operation on it and no request to any
other host."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.e2e.conftest import API_TOKEN, Service

pytestmark = pytest.mark.e2e
SCREENSHOT = REPO / "var" / "test-artifacts" / "api-reference.png"


def documented_operations(service: Service) -> list[str]:
    document = httpx.get(
        service.base_url + "/api/v1/openapi.json", headers={"Authorization": f"Bearer {API_TOKEN}"}
    ).json()
    return [operation["summary"] for item in document["paths"].values() for operation in item.values()]


def sign_in(browser: Any, service: Service) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import presence_of_element_located
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(service.base_url + "/dashboard/login")
    browser.find_element(By.NAME, "token").send_keys(API_TOKEN)
    browser.find_element(By.ID, "sign-in").click()
    WebDriverWait(browser, 15).until(presence_of_element_located((By.ID, "api-reference")))


def test_the_reference_renders_every_operation_from_this_service_only(service: Service, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    summaries = documented_operations(service)
    assert len(summaries) >= 15

    browser.get(service.base_url + "/api/v1/docs")
    assert "unauthorized" in browser.page_source  # no token, no session: the API's 401

    sign_in(browser, service)
    browser.find_element(By.ID, "api-reference").click()  # the dashboard links to it
    WebDriverWait(browser, 30).until(
        lambda b: all(summary in b.find_element(By.TAG_NAME, "body").text for summary in summaries)
    )
    assert browser.current_url == service.base_url + "/api/v1/docs"
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "h2")]
    assert set(summaries) <= set(headings), "each operation is a section of its own"

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000

    # The search runs in a worker Redoc starts from a blob: URL (the one source the policy adds for it).
    browser.find_element(By.CSS_SELECTOR, "input[placeholder='Search...']").send_keys("replay")
    WebDriverWait(browser, 15).until(
        lambda b: (
            "Put a dead letter back" in b.find_element(By.CSS_SELECTOR, "[data-role='search:results']").text
        )
    )

    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any(name.endswith("/api/v1/docs/redoc.standalone.js") for name in resources)
    assert any(name.endswith("/api/v1/docs/openapi.json") for name in resources)
    assert all(name.startswith((service.base_url, "blob:")) for name in resources), resources
    console = [entry["message"] for entry in browser.get_log("browser")]
    assert not [line for line in console if "Content Security Policy" in line], console

    # Signing out ends the session for the reference too: both cookies go, and the old one opens nothing.
    browser.get(service.base_url + "/dashboard")
    browser.find_element(By.ID, "sign-out").click()
    # The sign-out's POST and its redirect finish first: a navigation started before them would be
    # overtaken by the redirect to the sign-in page.
    WebDriverWait(browser, 15).until(lambda b: b.current_url.endswith("/dashboard/login"))
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.ID, "sign-in"))
    browser.get(service.base_url + "/api/v1/docs")
    assert "unauthorized" in browser.page_source
    assert browser.get_cookie("mailhook_dashboard") is None
