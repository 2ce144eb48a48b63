"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the site.

The site is served by Django's live-server thread on a free local port, with the static
files collected by `make static` served by WhiteNoise exactly as in production (hashed
names included), over the test database with the real territory and listings committed at
session start. Tests that write use ``committed_db`` so the server thread sees their rows.
Each test saves a screenshot under ``test-artifacts/`` (git-ignored).
"""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an asyncio loop in this thread; the ORM calls made by the
# tests themselves are still synchronous (Django's documented escape hatch for this case).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def wait_until(page, expression: str, arg=None, timeout: float = 10.0):
    """Poll a JavaScript expression (or a function of ``arg``) until it is truthy.

    Playwright's ``wait_for_function`` evaluates its predicate with ``eval`` inside the
    page, which our CSP forbids (no 'unsafe-eval'); ``page.evaluate`` goes through the
    DevTools protocol and is not subject to the page's CSP.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression, arg) if arg is not None else page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


def watch(page):
    """Collect the page's JavaScript errors (``page.js_errors``) and its Content Security
    Policy violations (``page.csp_violations``, checked by ``finish``)."""
    page.js_errors = []
    page.csp_violations = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            page.csp_violations.append(message.text)

    page.on("console", on_console)
    return page


def finish(page, name: str):
    """Save the screenshot, then fail the test if the page broke our CSP."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
    violations = list(page.csp_violations)
    page.context.close()
    assert violations == [], f"Content Security Policy violations: {violations}"


@pytest.fixture
def page(browser, request):
    """A fresh page; its screenshot is saved under test-artifacts/<test name>.png."""
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 800}
    )
    page = watch(context.new_page())
    yield page
    finish(page, request.node.name)
