"""The /jobs page in a real browser: headless Chromium (Debian's chromium and chromium-driver, from
scripts/install-test-tools.sh) driven by Selenium against the receiver served by uvicorn on a real port.

Screenshots go to test-artifacts/ at the repository's root (TEST_ARTIFACTS_DIR overrides it); the test
prints where. Skipped, saying why, when no browser or driver is installed.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.bot.jobs_pages import HOSTILE, JOB, TOKEN, page_app
from tests.conftest import free_port, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no headless browser: install chromium and chromium-driver (scripts/install-test-tools.sh)",
)


def _artifacts() -> Path:
    where = Path(os.environ.get("TEST_ARTIFACTS_DIR") or REPO_ROOT / "test-artifacts")
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def served(tmp_path: Path, redis_url: str) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(page_app(tmp_path, redis_url), host="127.0.0.1", port=free_port(), log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 20, "uvicorn to serve the page")
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    pytest.importorskip("selenium", reason="pip install selenium (the test extra)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        # A browser cannot be told a bearer token by a link; the DevTools protocol adds the header.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Bearer {TOKEN}"}}
        )
        yield driver
    finally:
        driver.quit()


def test_the_jobs_page_renders_folds_and_never_runs_a_script(served: str, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.get(f"{served}/jobs")
    assert browser.title == "codellama-bot jobs"
    [row] = browser.find_elements(By.CSS_SELECTOR, "tr.job")
    assert JOB in row.text and "pull_request" in row.text and "5,432 tokens" in row.text

    row.find_element(By.LINK_TEXT, JOB).click()
    wait_until(lambda: browser.title == f"Job {JOB}", 10, "the job's page")
    answer = browser.find_element(By.XPATH, "//details[summary[text()='Answer 1']]")
    assert answer.get_attribute("open") is None
    text = answer.find_element(By.TAG_NAME, "pre")
    assert not text.is_displayed()  # folded
    round_fold = browser.find_element(By.XPATH, "//details[summary[starts-with(text(), 'Round 1')]]")
    round_fold.find_element(By.TAG_NAME, "summary").click()
    answer.find_element(By.TAG_NAME, "summary").click()
    wait_until(lambda: answer.get_attribute("open") is not None, 5, "the answer to unfold")
    assert text.is_displayed() and HOSTILE in text.text  # shown as text
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.TAG_NAME, "img") == []
    assert browser.title == f"Job {JOB}"  # the answer's script did not run
    added = browser.find_element(By.CSS_SELECTOR, "span.add")
    assert added.value_of_css_property("color") == "rgba(17, 99, 41, 1)"  # the stylesheet applied (CSP)
    shot = _artifacts() / "jobs-page.png"
    assert browser.save_screenshot(str(shot))
    print(f"screenshot of the job's page: {shot}")
