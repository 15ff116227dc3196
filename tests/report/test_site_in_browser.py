"""The report site in a real browser (headless Chromium through Selenium): every page loads without console
errors, a legend click hides its series, a column sort orders the rows, hostile plugin strings stay text, and
each kind of page is photographed (the paths are printed)."""

import pytest

from harness.report.site import page_name
from tests.report import browser
from tests.report.conftest import HOSTILE_NAME, HOSTILE_REASON

pytestmark = pytest.mark.skipif(browser.missing() is not None, reason=browser.missing() or "")

TASK_PAGE = page_name("task", "quick", "blobs")
FIRST_LEGEND_ENTRY = """
const legend = [...Bokeh.documents[0].all_models].find((m) => m.type === "Legend");
const view = Object.values(Bokeh.index).map((root) => root.owner.find_one(legend)).find((v) => v);
const entry = view.entries[0];
window.__item = entry.item;  // the legend draws its entries anew on every change: keep the model
return [entry.el, entry.label_el.textContent];
"""
ENTRY_VISIBLE = "return window.__item.renderers.map((r) => r.visible);"
SORT_VALUES = """
const table = document.querySelector("table.leaderboard");
const column = [...table.tHead.rows[0].cells].findIndex((th) => th.textContent === arguments[0]);
return [...table.tBodies[0].rows].map((row) => row.cells[column].dataset.sort);
"""


@pytest.fixture(scope="module")
def driver():
    with browser.chromium() as chromium:
        yield chromium


def test_every_page_loads_without_console_errors(report, driver):
    for page in sorted(report.glob("*.html")):
        messages = browser.open_page(driver, page)
        assert browser.errors(messages) == [], page.name


def test_a_legend_click_hides_its_series_and_a_second_shows_it(report, driver):
    browser.open_page(driver, report / TASK_PAGE)
    entry, label = driver.execute_script(FIRST_LEGEND_ENTRY)
    assert label and driver.execute_script(ENTRY_VISIBLE) == [True, True]  # the mean line and its band
    entry.click()
    assert driver.execute_script(ENTRY_VISIBLE) == [False, False]
    driver.execute_script(FIRST_LEGEND_ENTRY)[0].click()
    assert driver.execute_script(ENTRY_VISIBLE) == [True, True]


def _numbers(values):
    return [float(v) for v in values if v != ""]


def test_a_column_header_click_sorts_the_rows(report, driver):
    from selenium.webdriver.common.by import By

    browser.open_page(driver, report / TASK_PAGE)
    header = driver.find_element(By.XPATH, "//table[contains(@class, 'leaderboard')]//th[text()='test score']")
    before = _numbers(driver.execute_script(SORT_VALUES, "test score"))
    assert len(before) >= 3 and before != sorted(before)  # the table starts in another order
    header.click()
    assert _numbers(driver.execute_script(SORT_VALUES, "test score")) == sorted(before)
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert _numbers(driver.execute_script(SORT_VALUES, "test score")) == sorted(before, reverse=True)


def test_hostile_strings_render_as_text(report, driver):
    from selenium.common.exceptions import NoAlertPresentException

    for name in (TASK_PAGE, "index.html", page_name("rule", HOSTILE_NAME)):
        browser.open_page(driver, report / name)
        text = driver.execute_script("return document.body.innerText")
        assert HOSTILE_NAME in text, name
        assert (
            driver.execute_script("return document.querySelectorAll('img[src=x], body script:not([src])').length") == 0
        )
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text  # noqa: B018 -- reading it raises when no alert opened
    browser.open_page(driver, report / TASK_PAGE)
    assert HOSTILE_REASON in driver.execute_script("return document.body.innerText")
    legend_labels = driver.execute_script(
        """return Object.values(Bokeh.index).flatMap((root) =>
             [...Bokeh.documents[0].all_models].filter((m) => m.type === "Legend")
               .map((m) => root.owner.find_one(m)).filter((v) => v)
               .flatMap((v) => v.entries.map((e) => e.label_el.textContent)));"""
    )
    assert HOSTILE_NAME in legend_labels


def test_a_screenshot_of_each_kind_of_page(report, driver, tmp_path):
    for kind, name in (("summary", "index.html"), ("task", TASK_PAGE), ("rule", page_name("rule", "bp-sgd"))):
        browser.open_page(driver, report / name)
        shot = browser.screenshot(driver, tmp_path / f"{kind}.png")
        print(f"screenshot of the {kind} page: {shot}")
        assert shot.stat().st_size > 20_000
