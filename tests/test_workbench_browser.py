"""The reviewers' workbench in a real browser (headless Chromium through Selenium).

A reviewer logs in, works the queue, opens a person, decides two convictions; the run is
then repeated with ``--decisions`` and the outputs, explanation and counts must show the
decisions; a supervisor sees them applied and reassigns the person. Screenshots of every
page go to ``$CMR_SCREENSHOTS`` (or the test's temporary folder) to be looked at.

Uses Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them);
nothing is downloaded. Without them the test is skipped, except in CI, where it fails.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import click, require, served, shot, wait
from cli_runs import PASSWORD, add_users
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.cli.workbench.auth import hash_password
from cmr_reason.reasoner.review.db import ReviewDB

AS_OF = "2020-07-01"
require()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from cmr_reason.cli.workbench.app import create_app  # noqa: E402

runner = CliRunner()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _run(out: Path, *extra: str) -> None:
    result = runner.invoke(
        app, ["run", "--as-of", AS_OF, "--out", str(out), "-q", "--force", *extra]
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "run"
    _run(out)
    add_users(out, ("rita", "sue"))
    return out


@pytest.fixture(scope="module")
def base_url(run_dir: Path) -> Iterator[str]:
    with served(create_app(run_dir, run_dir / "review.sqlite3")) as url:
        yield url


def _apply_filters(driver: WebDriver) -> None:
    click(driver, "#apply-filters", "#queue")


def _login(driver: WebDriver, base: str, name: str, password: str) -> None:
    driver.get(f"{base}/login")
    driver.delete_all_cookies()  # start from no session
    driver.get(f"{base}/login")
    wait(driver, "#login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login").click()


def _decide(driver: WebDriver, cid: str, action: str, note: str, **choice: str) -> None:
    form = driver.find_element(By.CSS_SELECTOR, f'form.decide[data-conviction="{cid}"]')
    radio = form.find_element(By.CSS_SELECTOR, f'input[name=action][value="{action}"]')
    assert radio.is_enabled()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", radio)
    radio.click()
    for name, value in choice.items():
        select = form.find_element(By.NAME, name)
        assert select.is_enabled()  # the page's script enables only the list the action needs
        Select(select).select_by_value(value)
    other = "ground" if action != "challenge" else "relief"
    assert not form.find_element(By.NAME, other).is_enabled()
    form.find_element(By.NAME, "note").send_keys(note)
    click(driver, f'form.decide[data-conviction="{cid}"] button[type=submit]', ".flash.info")


def test_review_in_the_browser_then_rerun(
    browser: WebDriver, base_url: str, run_dir: Path, shots: Path
) -> None:
    before = _rows(run_dir / "convictions.csv")
    summary_before = json.loads((run_dir / "summary.json").read_text())
    attempt = next(r for r in before if r["reason"] == "attempt" and r["level"] == "felony"
                   and r["code_section"].startswith("HS 11359"))  # fmt: skip
    superstrike = next(r for r in before if r["reason"] == "prior_superstrike")

    # Every page needs a log-in; a wrong password is refused.
    browser.get(f"{base_url}/queue")
    wait(browser, "#login")
    assert "/login" in browser.current_url
    shot(browser, shots, "01-login")
    _login(browser, base_url, "rita", "not-the-password")
    wait(browser, ".flash.error")
    assert "Wrong user name or password" in browser.page_source

    # The queue, then filtered by reason.
    _login(browser, base_url, "rita", PASSWORD["rita"])
    wait(browser, "#queue")
    rows = browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
    assert len(rows) == 25  # one full page of 41 open convictions
    assert "relief could leave no conviction" in rows[0].text
    shot(browser, shots, "02-queue")
    Select(browser.find_element(By.NAME, "reason")).select_by_value("attempt")
    _apply_filters(browser)
    rows = browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
    assert rows and all("attempt" in r.text for r in rows)
    shot(browser, shots, "03-queue-attempts")

    # A person page: history with the justification tree, then a grant.
    cid = attempt["conviction_id"]
    browser.find_element(By.CSS_SELECTOR, f'a[href$="#c-{cid}"]').click()
    wait(browser, f'form.decide[data-conviction="{cid}"]')
    section = browser.find_element(By.ID, f"c-{cid}")
    assert "p64.review.attempt" in section.text
    assert "HS 11361.8(a), (e); PC 664" in section.text
    assert "Grant the statute's relief: Redesignate as a misdemeanor" in section.text
    shot(browser, shots, "04-person")
    _decide(browser, cid, "grant", "Court file read: attempt of possession for sale")
    section = browser.find_element(By.ID, f"c-{cid}")
    assert "Court file read" in section.text and "rita" in section.text
    assert "not yet in a run" in section.text
    shot(browser, shots, "05-person-decided")

    # A challenge confirmed on another person.
    other = superstrike["conviction_id"]
    browser.get(f"{base_url}/person/{superstrike['subject_id']}")
    wait(browser, f'form.decide[data-conviction="{other}"]')
    _decide(browser, other, "challenge", "Prior confirmed in the court file",
            ground="not_eligible_prior_superstrike")  # fmt: skip

    # A reviewer may not export; then log out.
    browser.get(f"{base_url}/export/decisions.csv")
    assert "Not allowed" in browser.page_source
    browser.get(f"{base_url}/queue")
    wait(browser, "#logout")
    browser.find_element(By.ID, "logout").click()
    wait(browser, "#login")

    # The decisions feed the reasoning: run again with them.
    _run(run_dir, "--decisions", str(run_dir / "review.sqlite3"))
    after = {r["conviction_id"]: r for r in _rows(run_dir / "convictions.csv")}
    granted, challenged = after[cid], after[other]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert (granted["outcome"], granted["reason"]) == ("redesignate_misdemeanor", "reviewer_grant")
    assert granted["rule_ids"].startswith("review.grant;")
    assert (f"Decided by a reviewer on {today}: Court file read: attempt of possession for "
            "sale. Not challenged (reviewer rita)") in granted["explanation"]  # fmt: skip
    assert (challenged["outcome"], challenged["reason"]) == ("not_eligible", "reviewer_challenge")
    assert "prior super-strike" in challenged["explanation"]
    summary = json.loads((run_dir / "summary.json").read_text())
    counts, old = summary["convictions"], summary_before["convictions"]
    assert counts["review"] == old["review"] - 1
    assert counts["redesignated"] == old["redesignated"] + 1
    assert counts["not_eligible"] == old["not_eligible"]
    assert summary["by_reason"]["redesignate_misdemeanor"]["reviewer_grant"] == 1
    assert summary["not_eligible_by_reason"]["reviewer_challenge"] == 1
    assert summary["not_eligible_by_reason"].get("prior_superstrike", 0) == (
        summary_before["not_eligible_by_reason"]["prior_superstrike"] - 1
    )
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert len(manifest["decisions"]["applied"]) == 2

    # A supervisor sees them applied, reassigns the person and can export.
    _login(browser, base_url, "sue", PASSWORD["sue"])
    wait(browser, "#queue")
    assert "2 reviewer decision(s) applied" in browser.page_source
    Select(browser.find_element(By.NAME, "status")).select_by_value("decided")
    _apply_filters(browser)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")) == 2
    assert "applied in this run" in browser.page_source
    shot(browser, shots, "06-queue-decided")
    browser.get(f"{base_url}/person/{attempt['subject_id']}")
    wait(browser, "#assign-form")
    section = browser.find_element(By.ID, f"c-{cid}")
    assert "Redesignate as a misdemeanor" in section.text and "applied" in section.text
    assert "review.grant" in section.text and "HS 11361.9(b), (d), (f)" in section.text
    Select(browser.find_element(By.NAME, "assignee")).select_by_value("rita")
    click(browser, "#assign-form button", ".flash.info")
    assert browser.find_element(By.ID, "assignee").text == "rita"
    shot(browser, shots, "07-person-applied")
    assert ReviewDB(run_dir / "review.sqlite3").assignments()[attempt["subject_id"]] == "rita"


def test_no_request_leaves_the_machine(browser: WebDriver, base_url: str) -> None:
    """Every resource the pages load is served by the workbench itself."""
    browser.get_log("browser")  # forget what earlier tests logged (their 401 and 403 on purpose)
    _login(browser, base_url, "rita", PASSWORD["rita"])
    wait(browser, "#queue")
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert urls and all(u.startswith(base_url) for u in urls), urls
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors  # no CSP violation, no missing file


def test_hashes_are_not_passwords(run_dir: Path) -> None:
    for user in ReviewDB(run_dir / "review.sqlite3").users():
        assert user.password_hash.startswith("scrypt:32768:8:1$")  # werkzeug, same cost
        assert PASSWORD[user.name] not in user.password_hash
    assert hash_password(PASSWORD["rita"]) != hash_password(PASSWORD["rita"])
