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
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import click, require, served, shot, wait
from cli_runs import PASSWORD, add_users
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.synth.generator import demo_path

require("tomli_w")

from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

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
    add_users(space)
    return {"root": root, "data": data, "space": space}


@pytest.fixture(scope="module")
def base_url(places: dict[str, Path]) -> Iterator[str]:
    space = Workspace.prepare(places["space"])
    web = create_workspace_app(
        space, places["space"] / "review.sqlite3", AllowedFolders([places["data"]])
    )
    with served(web) as url:
        yield url
    web.config["REVIEW_JOBS"].stop_all()


def _login(driver: WebDriver, base: str, name: str) -> None:
    driver.get(f"{base}/login")
    driver.delete_all_cookies()
    driver.get(f"{base}/login")
    wait(driver, "#login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD[name])
    click(driver, "#login", "#runs, .card")


def _until_results(driver: WebDriver, section: str) -> None:
    """On a progress page, or the results it opened already: wait for the results' ``section``."""
    WebDriverWait(driver, JOB_SECONDS, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "/jobs/" not in d.current_url or d.find_elements(By.ID, "job-message")[0]
        .is_displayed()
    )  # fmt: skip
    assert "/jobs/" not in driver.current_url, driver.find_element(By.ID, "job").text
    wait(driver, section)


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
    shot(browser, shots, "n01-runs-empty")

    # New run: the file is chosen in the browser, inside the allowed folder.
    click(browser, "#new-run", "#new-run-form")
    click(browser, "#browse-input", "#entries")
    click(browser, 'a[data-name="extracts"]', "#entries")
    shot(browser, shots, "n02-browse")
    click(browser, 'a[data-name="demo_doj.csv"]', "#new-run-form")
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
    shot(browser, shots, "n03-new-run")
    click(browser, "#start-run", "#job", JOB_SECONDS)
    assert browser.find_element(By.ID, "bar").tag_name == "progress"
    _until_results(browser, "#headline")
    shot(browser, shots, "n04-results")

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
    click(browser, "#open-queue", "#queue")
    assert "/runs/demo_doj/queue" in browser.current_url
    assert len(browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")) == 25
    browser.back()
    wait(browser, "#report-form")

    # The impact report, made on request and opened in the workbench.
    # A small report may be made, and the progress page gone to the results, before the
    # progress page is seen: either page will do (the job's end is checked by its result).
    click(browser, "#make-report", "#job, #open-report", JOB_SECONDS)
    _until_results(browser, "#open-report")
    report_url = browser.find_element(By.ID, "open-report").get_attribute("href")
    assert report_url is not None
    browser.get(report_url)
    wait(browser, "svg")
    assert "Impact" in browser.title or "impact" in browser.page_source[:5000].lower()
    assert f"{summary['people']['relieved']:,}" in browser.page_source
    shot(browser, shots, "n05-report")
    assert (space / "reports" / "demo_doj.html").is_file()

    # The filing with the template's example settings, and its downloads.
    browser.get(f"{base_url}/runs/demo_doj/")
    wait(browser, "#filing-form")
    assert browser.find_element(By.ID, "settings-example").is_selected()
    click(browser, "#make-filing", "#job, #filing-files", JOB_SECONDS)
    _until_results(browser, "#filing-files")
    shot(browser, shots, "n06-filing")
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
    wait(browser, "#open-report")
    assert not browser.find_elements(By.ID, "filing-files")
    assert not browser.find_elements(By.ID, "make-filing")
    with pytest.raises(urllib.error.HTTPError) as refused:
        _download(browser, pdf)
    assert refused.value.code == 403
