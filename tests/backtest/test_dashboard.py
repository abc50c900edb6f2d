"""The dashboard: every section renders in headless Chromium, no severe console error, no external URL."""

from __future__ import annotations

import re

import pytest

from neural_trading_system.backtest.dashboard import SECTION_IDS


def test_dashboard_is_self_contained_with_every_section(tiny_result):
    html = tiny_result.dashboard.read_text()
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in html, sid
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert html.count("data:image/png;base64,") == 6
    assert html.count("<tr>", html.index('id="raw-table"')) == 21  # header + the last 20 bars


@pytest.mark.browser
def test_dashboard_renders_in_chromium(tiny_result, tmp_path):
    from tests.browser import broken_images, launch_chromium, severe_console_errors

    driver = launch_chromium(tmp_path)
    try:
        driver.get(tiny_result.dashboard.resolve().as_uri())
        for sid in SECTION_IDS:
            el = driver.find_element("id", sid)
            assert el.is_displayed() and el.size["height"] > 50, sid
            if sid not in ("summary", "raw-outputs"):
                img = el.find_element("tag name", "img")
                assert img.size["width"] > 400 and img.size["height"] > 150, sid
        assert broken_images(driver) == []
        assert severe_console_errors(driver) == []
        driver.save_screenshot(str(tmp_path / "dashboard.png"))
    finally:
        driver.quit()
