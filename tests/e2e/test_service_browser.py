"""End to end in a real browser (Debian's Chromium, headless, driven by Playwright): sign in, create a
scenario from an example, run a plan with the real engine, see the charts render, download the report."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from stackplan.service.app import create_app
from tests.e2e.service_support import CHROMIUM, CHROMIUM_ARGS, PASSWORD, LiveServer, make_org

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (make system-deps)"
)


def test_sign_in_create_run_and_download(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    app = create_app(f"sqlite:///{tmp_path / 'e2e.db'}")  # the real planning engine
    org = make_org(app, "Browser")
    server = LiveServer(app)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_context(
                viewport={"width": 1280, "height": 900}, accept_downloads=True
            ).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))

            page.goto(f"{server.url}/scenarios")
            assert "/login" in page.url
            page.fill("input[name=email]", org.users["editor"][0])
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/scenarios")

            page.fill("input[name=name]", "Browser test scenario")
            page.select_option("select[name=example]", "enterprise_research")
            page.click("#new-scenario button")
            page.wait_for_url(re.compile(r".*/scenarios/[^/?]+$"))
            assert page.input_value("#yaml").startswith("#")

            page.click("#run-plan")
            page.wait_for_url(re.compile(r".*/plans/[^/]+$"))
            page.wait_for_selector("#chart-cost-stack[data-rendered=true]", timeout=60_000)
            for chart in ("comparison", "cost-stack", "tokens", "emissions"):
                assert page.locator(f"#chart-{chart} .main-svg").count() >= 1, chart
            assert page.locator(".hero-title").inner_text().strip() in {
                "Cloud-first",
                "Hybrid",
                "On-prem optimised",
            }

            with page.expect_download() as info:
                page.click("#downloads a[href$='/download/html']")
            report = Path(info.value.path()).read_text(encoding="utf-8")
            assert "<html" in report.lower()
            assert not re.search(r"<script[^>]*\bsrc=", report)  # self-contained: no external script
            assert errors == []
            browser.close()
    finally:
        server.stop()
        app.state.services.pool.shutdown()
