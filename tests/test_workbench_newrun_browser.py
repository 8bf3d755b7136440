"""New run → results → report → filing, in a real browser (headless Chromium via Selenium).

A supervisor logs in to a workspace, chooses the demo DOJ file in the file browser, the
Los Angeles policy (its county filled in from the policy), the as-of date, starts the run,
watches its progress page turn into the results, makes the impact report and opens it, then
makes the filing with the template's example settings and downloads a file of it. The run's
outputs must be the bytes the command line writes for the same settings. A reviewer then
sees the run and its report, but cannot start a run or download the filing. Screenshots go to
``$CMR_SCREENSHOTS`` (or the test's temporary folder).

Uses Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); without them
the test is skipped, except in CI, where it fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.synth.generator import demo_path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1366,900",
)  # fmt: skip
PASSWORD = {"rita": "reviewer-pass-1", "sue": "supervisor-pass-1"}


def _missing() -> str:
    for module in ("selenium", "flask", "waitress", "tomli_w"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install -e '.[review]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return ""


if _missing():
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {_missing()}", pytrace=False)
    pytest.skip(_missing(), allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402
from waitress import create_server  # noqa: E402

from cmr_reason.cli.workbench.app import create_workspace_app  # noqa: E402
from cmr_reason.cli.workbench.paths import AllowedFolders  # noqa: E402
from cmr_reason.cli.workbench.workspace import Workspace  # noqa: E402

runner = CliRunner()
JOB_SECONDS = 90  # the longest wait for one run, report or filing on a busy machine


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("newrun")
    data = root / "data"
    (data / "extracts").mkdir(parents=True)
    shutil.copy(demo_path(), data / "extracts" / "demo_doj.csv")
    space = root / "workspace"
    space.mkdir()
    for name, role in (("sue", "supervisor"), ("rita", "reviewer")):
        result = runner.invoke(
            app, ["users", "add", name, str(space), "--role", role, "--password-stdin"],
            input=PASSWORD[name] + "\n",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return {"root": root, "data": data, "space": space}


@pytest.fixture(scope="module")
def base_url(places: dict[str, Path]) -> Iterator[str]:
    space = Workspace.prepare(places["space"])
    web = create_workspace_app(
        space, places["space"] / "review.sqlite3", AllowedFolders([places["data"]])
    )
    server = create_server(web, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    web.config["REVIEW_JOBS"].stop_all()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("CMR_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def _wait(driver: WebDriver, css: str, seconds: float = 15) -> None:
    WebDriverWait(driver, seconds).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))


def _click(driver: WebDriver, css: str, then: str, seconds: float = 15) -> None:
    """Click ``css`` and wait for the next page to show ``then`` (not the old page's)."""
    old = driver.find_element(By.TAG_NAME, "html")
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(staleness_of(old))
    _wait(driver, then, seconds)


def _shot(driver: WebDriver, folder: Path, name: str) -> None:
    driver.execute_script("window.scrollTo(0, 0)")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, max(900, min(int(height) + 40, 8000)))
    driver.save_screenshot(str(folder / f"{name}.png"))
    driver.set_window_size(1366, 900)


def _login(driver: WebDriver, base: str, name: str) -> None:
    driver.get(f"{base}/login")
    driver.delete_all_cookies()
    driver.get(f"{base}/login")
    _wait(driver, "#login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD[name])
    _click(driver, "#login", "#runs, .card")


def _until_results(driver: WebDriver, section: str) -> None:
    """On a progress page: wait until its script opens the results at ``section``."""
    WebDriverWait(driver, JOB_SECONDS, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "/jobs/" not in d.current_url or d.find_elements(By.ID, "job-message")[0]
        .is_displayed()
    )  # fmt: skip
    assert "/jobs/" not in driver.current_url, driver.find_element(By.ID, "job").text
    _wait(driver, section)


def _download(driver: WebDriver, url: str) -> tuple[bytes, str]:
    """Fetch ``url`` with the browser's session cookie (what a click on the link downloads)."""
    cookie = driver.get_cookie("cmr_review")
    assert cookie is not None
    request = urllib.request.Request(url, headers={"Cookie": f"cmr_review={cookie['value']}"})
    with urllib.request.urlopen(request, timeout=30) as reply:  # the workbench, on loopback
        return reply.read(), reply.headers.get("Content-Disposition", "")


def test_new_run_results_report_filing(
    browser: WebDriver, base_url: str, places: dict[str, Path], shots: Path
) -> None:
    space, data = places["space"], places["data"]
    _login(browser, base_url, "sue")
    assert browser.current_url.endswith("/runs")
    assert "No run yet" in browser.page_source
    _shot(browser, shots, "n01-runs-empty")

    # New run: the file is chosen in the browser, inside the allowed folder.
    _click(browser, "#new-run", "#new-run-form")
    _click(browser, "#browse-input", "#entries")
    _click(browser, 'a[data-name="extracts"]', "#entries")
    _shot(browser, shots, "n02-browse")
    _click(browser, 'a[data-name="demo_doj.csv"]', "#new-run-form")
    chosen = browser.find_element(By.ID, "input").get_attribute("value")
    assert chosen == str((data / "extracts" / "demo_doj.csv").resolve())
    assert browser.find_element(By.ID, "name").get_attribute("value") == "demo_doj"

    # The policy's options are the policy's own parameters, with their sources.
    Select(browser.find_element(By.ID, "policy")).select_by_value("los-angeles-2020")
    options = browser.find_element(By.ID, "options-los-angeles-2020")
    assert options.is_displayed()
    assert not browser.find_element(By.ID, "options-statute").is_displayed()
    assert "LA DA motion filed 2020-02-11" in options.text
    assert "lookback_years" in options.text and "age_threshold" in options.text
    assert browser.find_element(By.ID, "county").get_attribute("value") == "LOS ANGELES"
    browser.execute_script("document.getElementById('as_of').value = '2020-07-01'")
    _shot(browser, shots, "n03-new-run")
    _click(browser, "#start-run", "#job")
    assert browser.find_element(By.ID, "bar").tag_name == "progress"
    _until_results(browser, "#headline")
    _shot(browser, shots, "n04-results")

    # The results are the command line's, byte for byte.
    cli_out = places["root"] / "cli-run"
    result = runner.invoke(app, ["run", chosen, "--as-of", "2020-07-01", "--policy",
                                 "los-angeles-2020", "--county", "LOS ANGELES", "--out",
                                 str(cli_out), "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    run_dir = space / "runs" / "demo_doj"
    for name in ("convictions.csv", "people.csv", "cases.csv", "summary.json", "rejects.csv"):
        assert (run_dir / name).read_bytes() == (cli_out / name).read_bytes(), name
    summary = json.loads((run_dir / "summary.json").read_text())
    figures = browser.find_element(By.ID, "headline").text
    assert f"People relieved {summary['people']['relieved']:,}" in figures
    assert f"Dismissed and sealed {summary['convictions']['dismissed']:,}" in figures
    assert "los-angeles-2020" in browser.find_element(By.ID, "about").text

    # The run's queue is one click away.
    _click(browser, "#open-queue", "#queue")
    assert "/runs/demo_doj/queue" in browser.current_url
    assert len(browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")) == 25
    browser.back()
    _wait(browser, "#report-form")

    # The impact report, made on request and opened in the workbench.
    _click(browser, "#make-report", "#job")
    _until_results(browser, "#open-report")
    report_url = browser.find_element(By.ID, "open-report").get_attribute("href")
    assert report_url is not None
    browser.get(report_url)
    _wait(browser, "svg")
    assert "Impact" in browser.title or "impact" in browser.page_source[:5000].lower()
    assert f"{summary['people']['relieved']:,}" in browser.page_source
    _shot(browser, shots, "n05-report")
    assert (space / "reports" / "demo_doj.html").is_file()

    # The filing with the template's example settings, and its downloads.
    browser.get(f"{base_url}/runs/demo_doj/")
    _wait(browser, "#filing-form")
    assert browser.find_element(By.ID, "settings-example").is_selected()
    _click(browser, "#make-filing", "#job")
    _until_results(browser, "#filing-files")
    _shot(browser, shots, "n06-filing")
    links = browser.find_elements(By.CSS_SELECTOR, "#filing-files a")
    names = [link.text for link in links]
    assert {"dismissal_motion.pdf", "dismissal_exhibit1.xlsx", "filing.json"} <= set(names)
    assert "example settings" in browser.find_element(By.ID, "filing").text
    filing = json.loads((space / "filings" / "demo_doj" / "filing.json").read_text())
    pdf = str(next(a for a in links if a.text == "dismissal_motion.pdf").get_attribute("href"))
    body, disposition = _download(browser, pdf)
    assert body.startswith(b"%PDF") and "attachment" in disposition
    assert hashlib.sha256(body).hexdigest() == filing["files"]["dismissal_motion.pdf"]
    assert filing["counts"]["dismissal"]["convictions"] > 0

    # A reviewer sees the run and its report, but starts nothing and downloads no filing.
    _login(browser, base_url, "rita")
    assert browser.find_elements(By.CSS_SELECTOR, 'a[href$="/runs/demo_doj/"]')
    assert not browser.find_elements(By.ID, "new-run")
    browser.get(f"{base_url}/runs/new")
    assert "Not allowed" in browser.page_source
    browser.get(f"{base_url}/runs/demo_doj/")
    _wait(browser, "#open-report")
    assert not browser.find_elements(By.ID, "filing-files")
    assert not browser.find_elements(By.ID, "make-filing")
    with pytest.raises(urllib.error.HTTPError) as refused:
        _download(browser, pdf)
    assert refused.value.code == 403
