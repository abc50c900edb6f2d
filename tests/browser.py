"""Headless Debian Chromium through selenium, for tests that open an HTML report or dashboard.

>>> driver = launch_chromium(tmp_path)           # skips the test when chromium/chromedriver are absent
>>> driver.get(path.as_uri()); errors = severe_console_errors(driver); driver.quit()
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run")


def browser_skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not exe.is_file() and shutil.which(exe.name) is None:
            return f"{exe} not found (apt-get install -y chromium chromium-driver)"
    return None


def launch_chromium(tmp_path: Path, width: int = 1400, height: int = 1000):
    """A headless Chromium WebDriver with a fresh profile in ``tmp_path`` and browser console logging."""
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM if CHROMIUM.is_file() else shutil.which("chromium"))
    for arg in CHROMIUM_ARGS:
        opts.add_argument(arg)
    profile = tmp_path / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(str(CHROMEDRIVER if CHROMEDRIVER.is_file() else shutil.which("chromedriver")))
    return webdriver.Chrome(service=service, options=opts)


def severe_console_errors(driver) -> list[dict]:
    """Browser console entries of level SEVERE since the last call."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def broken_images(driver) -> list[str]:
    """``src`` prefixes (first 60 characters) of every <img> that did not decode (naturalWidth 0)."""
    return driver.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => (i.getAttribute('src') || '').slice(0, 60));")
