"""Headless Chromium through Selenium, for the report site's tests: open a page from disk, wait until Bokeh has
drawn it, read the console, take a screenshot of the whole page."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_FLAGS = (  # no network here: keep Chromium from reaching for one
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1400,1000",
)
DRAWN = """
return typeof Bokeh === "undefined" ? "no Bokeh" :
  Bokeh.documents.length === 0 ? "drawn" :
  Object.values(Bokeh.index).every((view) => view.has_finished()) ? "drawn" : "drawing";
"""


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if shutil.which("chromedriver") is None or not any(shutil.which(n) for n in ("chromium", "chromium-browser")):
        return "needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; .ci/run does)"
    return None


@contextmanager
def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver, path: Path) -> list[dict]:
    """Load ``path``, wait until every Bokeh figure is drawn; return the console's messages of that load.  A page
    that opens an alert fails (the driver dismisses it): some string ran as script."""
    from selenium.common.exceptions import UnexpectedAlertPresentException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.resolve().as_uri())
    try:
        WebDriverWait(driver, 30).until(lambda d: d.execute_script(DRAWN) == "drawn")
    except UnexpectedAlertPresentException as alert:
        raise AssertionError(f"{path.name} opened an alert ({alert.alert_text!r}): a string ran as script") from None
    return driver.get_log("browser")


def errors(messages: list[dict]) -> list[str]:
    return [m["message"] for m in messages if m["level"] in ("SEVERE", "ERROR")]


def screenshot(driver, out: Path) -> Path:
    """The whole page (the window grown to its height, at most 12,000 pixels) as a PNG."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(height + 100, 12_000))
    driver.save_screenshot(str(out))
    driver.set_window_size(1400, 1000)
    return out
