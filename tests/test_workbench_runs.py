"""The workspace's "New run": allowed folders, the policy form, roles, CSRF, the child runs.

The whole path in a browser is ``test_workbench_newrun_browser.py``; here each piece on its
own, with Flask's test client: paths chosen in the browser stay inside the ``--data``
folders (``..``, links and absolute paths outside are refused), the form is the policy's own
parameters and keeps only the changed ones, every problem of a form is listed at once,
only supervisors start work, and a run, a failure and a cancel end as the progress page says.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

pytest.importorskip("flask")
pytest.importorskip("tomli_w")

from cli_runs import PASSWORD, add_users
from job_tasks import Sleeper, SwallowedStop

from cmr_reason.cli.app import app
from cmr_reason.cli.workbench.app import create_workspace_app
from cmr_reason.cli.workbench.jobs import Job, RunJobs, RunRequest
from cmr_reason.cli.workbench.paths import AllowedFolders
from cmr_reason.cli.workbench.policy_form import (
    changed_params,
    policy_forms,
    write_params,
)
from cmr_reason.cli.workbench.workspace import Workspace, check_run_name
from cmr_reason.facts.doj.excel_resave import US, resave_file
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.policy_catalogue import bundled_policy_specs
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.review.db import ReviewDB

runner = CliRunner()
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


# --- allowed folders ---------------------------------------------------------------------
@pytest.fixture()
def tree(tmp_path: Path) -> dict[str, Path]:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "doj.csv").write_text("x\n")
    (data / ".hidden.csv").write_text("x\n")
    (data / "notes.pdf").write_text("x\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("x\n")
    (data / "link.csv").symlink_to(outside / "secret.csv")
    (data / "linkdir").symlink_to(outside)
    (data / "inner.csv").symlink_to(data / "sub" / "doj.csv")
    return {"data": data, "outside": outside}


def test_paths_inside_the_allowed_folders_only(tree: dict[str, Path]) -> None:
    data, outside = tree["data"], tree["outside"]
    allowed = AllowedFolders([data])
    assert allowed.check(str(data / "sub" / "doj.csv"), "input") == data / "sub" / "doj.csv"
    assert allowed.check("sub/doj.csv", "input") == data / "sub" / "doj.csv"  # relative: data/
    assert allowed.check(str(data / "inner.csv"), "input") == data / "sub" / "doj.csv"
    refused = {
        str(outside / "secret.csv"): "outside the folders",
        str(data / "sub" / ".." / ".." / "outside" / "secret.csv"): "outside the folders",
        "../outside/secret.csv": "outside the folders",
        str(data / "link.csv"): "outside the folders",  # a link is followed, then checked
        str(data / "linkdir" / "secret.csv"): "outside the folders",
        "/etc/passwd": "outside the folders",
        str(data / "missing.csv"): "no such file",
        str(data / "notes.pdf"): "expected a .csv or .txt or .lp file",
        str(data / "sub"): "not a file",
        "": "choose a file",
        "a\x00b": "not a path",
    }
    for text, words in refused.items():
        with pytest.raises(UserError, match=re.escape(words)):
            allowed.check(text, "input")
    with pytest.raises(UserError, match="outside the folders"):
        allowed.listing(str(outside), "input")
    with pytest.raises(UserError, match="outside the folders"):
        allowed.listing(str(data / ".."), "input")


def test_listing_hides_dot_files_and_links_out(tree: dict[str, Path]) -> None:
    data = tree["data"]
    listing = AllowedFolders([data]).listing(str(data), "input")
    assert [e.name for e in listing.folders] == ["sub"]
    assert [e.name for e in listing.files] == ["inner.csv"]  # not .hidden, link.csv, notes.pdf
    assert listing.parent is None  # the top of an allowed folder
    inner = AllowedFolders([data]).listing(str(data / "sub"), "input")
    assert inner.parent == data and [e.name for e in inner.files] == ["doj.csv"]
    with pytest.raises(UserError, match="--data folder not found"):
        AllowedFolders([data / "nope"])


def test_run_names() -> None:
    assert check_run_name("la-2020_07.01") == "la-2020_07.01"
    for bad in ("", "new", "../x", ".hidden", "a/b", "x" * 65, "a b", "end."):
        with pytest.raises(UserError, match="a run's name"):
            check_run_name(bad)


# --- the policy form ---------------------------------------------------------------------
def test_the_form_is_the_policies_own_parameters() -> None:
    forms = {form.spec.name: form for form in policy_forms()}
    for spec in bundled_policy_specs():
        form = forms[spec.name]
        expected = sum(len(p.keys) if p.kind == "table" else 1 for p in spec.params.values())
        assert len(form.fields) == expected, spec.name
        for field in form.fields:
            param = spec.params[field.param]
            assert field.doc == param.doc and field.choices == param.choices
    assert forms["los-angeles-2020"].county == "LOS ANGELES"
    assert forms["configurable"].county == ""  # its default is the empty text


def test_only_changed_options_and_every_problem_at_once(tmp_path: Path) -> None:
    forms = {form.spec.name: form for form in policy_forms()}
    la = forms["los-angeles-2020"]
    defaults = {f.key: f.default for f in la.fields}
    assert changed_params(la, defaults) == {}
    chosen = {**defaults, "p.los-angeles-2020.age_threshold": "55",
              "p.los-angeles-2020.under_21": "yes"}  # fmt: skip
    params = changed_params(la, chosen)
    assert params == {"age_threshold": 55, "under_21": "yes"}
    bad = {**defaults, "p.los-angeles-2020.age_threshold": "fifty",
           "p.los-angeles-2020.misdemeanors": "pardon"}  # fmt: skip
    with pytest.raises(UserError) as problems:
        changed_params(la, bad)
    assert "2 problems" in str(problems.value)
    assert "age_threshold must be an integer" in str(problems.value)
    assert "misdemeanors must be one of city_attorney_review, dismiss, statute" in str(
        problems.value
    )
    # A table parameter, one key changed; the file reads back as `run --policy FILE` reads it.
    conf = forms["configurable"]
    table = {f.key: f.default for f in conf.fields}
    table["p.configurable.section_outcome.11359"] = "redesignate"
    conf_params = changed_params(conf, table)
    assert conf_params == {"section_outcome": {"11359": "redesignate"}}
    path = write_params(tmp_path / "ws" / "policies" / "r1" / "configurable-custom.toml",
                        "configurable", conf_params)  # fmt: skip
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    programs = load_program_set(str(path))
    assert programs.param_facts == 'policy_param(section_outcome, ("11359", redesignate)).\n'
    la_file = write_params(tmp_path / "p" / "r" / "la.toml", "los-angeles-2020", params)
    assert load_program_set(str(la_file)).param_facts == (
        "policy_param(age_threshold, 55).\npolicy_param(under_21, yes).\n"
    )


# --- the app -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("workspace")
    data = root / "data"
    data.mkdir()
    (data / "demo.csv").write_bytes(demo_path().read_bytes())
    (data / "empty.csv").write_text("not,a,doj,file\n1,2,3,4\n")
    space = root / "ws"
    space.mkdir()
    add_users(space)
    return {"root": root, "data": data, "space": space}


@pytest.fixture(scope="module")
def web(places: dict[str, Path]) -> Iterator[Any]:
    space = Workspace.prepare(places["space"])
    application = create_workspace_app(
        space, places["space"] / "review.sqlite3", AllowedFolders([places["data"]])
    )
    application.config["TESTING"] = True
    yield application
    application.config["REVIEW_JOBS"].stop_all()


def _login(client: Any, name: str) -> str:
    page = client.get("/login").get_data(as_text=True)
    reply = client.post("/login", data={"csrf_token": TOKEN.search(page).group(1), "name": name,
                                         "password": PASSWORD[name]})  # fmt: skip
    assert reply.status_code == 302 and reply.headers["Location"] == "/runs"
    return TOKEN.search(client.get("/runs").get_data(as_text=True)).group(1)


def _flashes(reply: Any) -> list[str]:
    found = re.findall(r'class="flash error"[^>]*>([^<]*)<', reply.get_data(as_text=True))
    return [html.unescape(text) for text in found]


def _wait(client: Any, location: str, seconds: float = 90) -> dict[str, Any]:
    job_id = location.rstrip("/").rsplit("/", 1)[-1]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(f"/jobs/{job_id}/status").get_json()
        if status["state"] in ("done", "rejected", "failed", "cancelled"):
            return status
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not end in {seconds} s")


def _form(places: dict[str, Path], token: str, **extra: str) -> dict[str, str]:
    return {"csrf_token": token, "input": str(places["data"] / "demo.csv"), "name": "r1",
            "as_of": "2020-07-01", "policy": "los-angeles-2020", "county": "los angeles",
            "workers": "1", **extra}  # fmt: skip


def test_pages_need_a_login_and_supervisors_start_work(web: Any, places: dict[str, Path]) -> None:
    client = web.test_client()
    for path in ("/runs", "/runs/new", "/browse?kind=input", "/jobs/1", "/runs/x/"):
        reply = client.get(path)
        assert reply.status_code == 302 and "/login" in reply.headers["Location"], path
    assert client.post("/runs/new", data={}).status_code == 400  # no CSRF token
    token = _login(client, "rita")
    page = client.get("/runs").get_data(as_text=True)
    assert 'id="nav-new-run"' not in page and 'id="new-run"' not in page
    for path in ("/runs/new", f"/browse?kind=input&dir={places['data']}"):
        assert client.get(path).status_code == 403, path
    assert client.post("/runs/new", data=_form(places, token)).status_code == 403
    assert not (places["space"] / "runs" / "r1").exists()
    supervisor = web.test_client()
    token = _login(supervisor, "sue")
    assert (
        supervisor.post(
            "/runs/new", data={**_form(places, token), "csrf_token": "forged"}
        ).status_code
        == 400
    )


def test_browse_stays_inside(web: Any, places: dict[str, Path]) -> None:
    client = web.test_client()
    _login(client, "sue")
    page = client.get(f"/browse?kind=input&dir={places['data']}").get_data(as_text=True)
    assert 'data-name="demo.csv"' in page and f"/runs/new?input={places['data']}" in page
    for folder in (places["root"], places["data"] / ".." / "ws", "/"):
        reply = client.get("/browse", query_string={"kind": "input", "dir": str(folder)})
        assert reply.status_code == 200 and "outside the folders" in _flashes(reply)[0]
        assert "review.sqlite3" not in reply.get_data(as_text=True)
    assert client.get("/browse?kind=secrets").status_code == 404


def test_form_problems_in_plain_words(web: Any, places: dict[str, Path]) -> None:
    client = web.test_client()
    token = _login(client, "sue")
    cases = {
        "input": ("/etc/passwd", "outside the folders"),
        "name": ("../evil", "a run's name"),
        "as_of": ("", "give the as-of date"),
        "workers": ("0", "worker processes: from 1 to"),
        "policy": ("nonsense", "choose a policy"),
        "p.los-angeles-2020.lookback_years": ("ten", "lookback_years must be an integer"),
    }
    for key, (value, words) in cases.items():
        reply = client.post("/runs/new", data=_form(places, token, **{key: value}))
        assert reply.status_code == 200, key
        assert any(words in text for text in _flashes(reply)), (key, _flashes(reply))
        # The form comes back with what was typed.
        assert "los-angeles-2020" in reply.get_data(as_text=True)
    assert not (places["space"] / "runs" / "r1").exists()
    assert web.config["REVIEW_JOBS"].recent() == []


def test_a_run_from_the_form(web: Any, places: dict[str, Path]) -> None:
    """A run with one option changed, the job's state, the results and the queue."""
    client = web.test_client()
    token = _login(client, "sue")
    form = _form(places, token, name="custom", **{"p.los-angeles-2020.age_threshold": "60"})
    reply = client.post("/runs/new", data=form)
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/jobs/")
    # One at a time: a second run is refused while the first is in progress.
    second = client.post("/runs/new", data=_form(places, token, name="other"))
    assert any("in progress; one at a time" in t for t in _flashes(second))
    status = _wait(client, reply.headers["Location"])
    assert status["state"] == "done", status
    assert status["done_url"] == "/runs/custom/" and status["percent"] == 100
    run_dir = places["space"] / "runs" / "custom"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    params = places["space"] / "policies" / "custom" / "los-angeles-2020-custom.toml"
    assert manifest["policy"]["argument"] == str(params)
    assert manifest["policy"]["parameters"] == ["policy_param(age_threshold, 60)."]
    assert manifest["county"] == "LOS ANGELES" and manifest["as_of"] == "2020-07-01"
    assert manifest["inputs"][0]["path"] == str(places["data"] / "demo.csv")
    assert oct(run_dir.stat().st_mode & 0o777) == "0o700"
    page = client.get("/runs/custom/").get_data(as_text=True)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert f"<th>People relieved</th><td>{summary['people']['relieved']:,}</td>" in page
    assert "policy_param(age_threshold, 60)." in page
    assert "/runs/custom/queue" in page
    queue = client.get("/runs/custom/queue").get_data(as_text=True)
    assert 'id="queue"' in queue and "/runs/custom/person/" in queue
    # A person page of the run, and a decision recorded in the workspace's log.
    person = re.search(r'href="(/runs/custom/person/[^"#]+)#c-([^"]+)"', queue)
    assert person is not None
    page = client.get(person.group(1)).get_data(as_text=True)
    assert 'action="/runs/custom/person/' in page and "← Queue" in page
    decided = client.post(person.group(1) + "/decide", data={
        "csrf_token": token, "conviction_id": html.unescape(person.group(2)),
        "action": "more_information", "note": "Court file requested"})  # fmt: skip
    assert decided.status_code == 302
    assert decided.headers["Location"].startswith(person.group(1) + "#c-")
    log = ReviewDB(places["space"] / "review.sqlite3").decisions()
    assert [(d.action, d.reviewer) for d in log] == [("more_information", "sue")]
    assert client.get("/export/decisions.json").status_code == 200
    assert client.get("/runs/nothing/").status_code == 404
    assert client.get("/runs/nothing/queue").status_code == 404
    # The report: its own sandboxed Content-Security-Policy (inline styles, no script).
    reply = client.post("/runs/custom/report", data={"csrf_token": token, "suppress_below": "0"})
    assert _wait(client, reply.headers["Location"])["state"] == "done"
    shown = client.get("/runs/custom/report.html")
    assert shown.status_code == 200 and b"<svg" in shown.data
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert "script-src" not in shown.headers["Content-Security-Policy"]
    # A filing whose settings name another county than the run's: refused in words.
    other = places["data"] / "office.toml"
    example = Path(__file__).resolve().parents[1] / "reasoner" / "filing" / "templates"
    text = (example / "generic" / "office.example.toml").read_text()
    other.write_text(text.replace('county = "Los Angeles"', 'county = "Fresno"'))
    reply = client.post("/runs/custom/filing", data={"csrf_token": token,
                                                     "settings_from": "file",
                                                     "settings": str(other)})  # fmt: skip
    status = _wait(client, reply.headers["Location"])
    assert status["state"] == "failed"
    assert "covers LOS ANGELES County only" in status["message"], status
    assert not (places["space"] / "filings" / "custom").exists()
    # Settings outside the allowed folders are refused before anything starts.
    reply = client.post("/runs/custom/filing", data={"csrf_token": token,
                                                     "settings_from": "file",
                                                     "settings": "/etc/hostname"})  # fmt: skip
    assert reply.status_code == 302 and reply.headers["Location"].endswith("#filing")
    # Only the files filing.json lists are served.
    for name in ("..%2Freview.key", "filing.json", "x.pdf"):
        assert client.get(f"/runs/custom/filing/{name}").status_code == 404


def test_a_failed_run_says_why(web: Any, places: dict[str, Path]) -> None:
    client = web.test_client()
    token = _login(client, "sue")
    reply = client.post(
        "/runs/new", data=_form(places, token, name="bad", input=str(places["data"] / "empty.csv"))
    )
    status = _wait(client, reply.headers["Location"])
    assert status["state"] == "failed"
    assert "no usable rows" in status["message"] or "not a DOJ" in status["message"], status
    assert "Traceback" not in status["message"]
    assert not (places["space"] / "runs" / "bad").exists()
    assert not [p for p in (places["space"] / "runs").iterdir() if p.name.startswith(".")]
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "It stopped:" in page


def test_a_run_that_loses_most_rows_says_so(web: Any, places: dict[str, Path]) -> None:
    """An Excel-damaged file: not a silent success; the repair from the form."""
    client = web.test_client()
    token = _login(client, "sue")
    damaged = places["data"] / "excel.csv"
    resave_file(places["data"] / "demo.csv", damaged, US)
    form = _form(places, token, name="excel", input=str(damaged))
    reply = client.post("/runs/new", data=form)
    status = _wait(client, reply.headers["Location"])
    assert status["state"] == "rejected", status
    assert "2,605 of 2,624 input rows were rejected" in status["message"]
    assert any("bad_cnt_order: 2,590 rows" in w and "--repair-excel" in w
               for w in status["warnings"])  # fmt: skip
    page = html.unescape(client.get(reply.headers["Location"]).get_data(as_text=True))
    assert "the run rejected too many input rows" in page
    assert "2,605 of 2,624 input rows were rejected" in page and "bad_cnt_order" in page
    assert "Open the results and their rejects" in page
    assert (places["space"] / "runs" / "excel" / "rejects.csv").is_file()
    results = html.unescape(client.get("/runs/excel/").get_data(as_text=True))
    assert "bad_cnt_order: 2,590 rows" in results and "RunWarning(" not in results
    reply = client.post("/runs/new", data={**form, "name": "excel-repaired", "repair_excel": "on"})
    status = _wait(client, reply.headers["Location"])
    assert status["state"] == "done", status
    assert any("CNT_ORDER lost its leading zeros" in w for w in status["warnings"])
    manifest = json.loads(
        (places["space"] / "runs" / "excel-repaired" / "manifest.json").read_text()
    )
    assert manifest["excel_repair"]["files"][0]["repair"]["cnt_order"] is True


# --- jobs without the app ----------------------------------------------------------------
def _finish(jobs: RunJobs, job: Job, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.finished, job.status()
    return job


def test_jobs_report_how_they_ended() -> None:
    jobs = RunJobs()
    done = _finish(jobs, jobs.start("a", "sue", Sleeper(0.3)))
    assert (done.state, done.warnings, done.notes, done.percent) == (
        "done", ["a warning"], ["a note"], 100)  # fmt: skip
    failed = _finish(jobs, jobs.start("b", "sue", Sleeper(0, "user")))
    assert (failed.state, failed.message) == ("failed", "the disk is full")
    other = _finish(jobs, jobs.start("c", "sue", Sleeper(0, "other")))
    assert other.state == "failed" and "ValueError" in other.message
    assert "SMITH" not in other.message
    died = _finish(jobs, jobs.start("d", "sue", Sleeper(0, "exit")))
    assert died.state == "failed" and "exit status 7" in died.message


def test_one_job_at_a_time_and_cancel() -> None:
    jobs = RunJobs()
    job = jobs.start("slow", "sue", Sleeper(60))
    deadline = time.monotonic() + 30
    while job.state != "deciding" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.state == "deciding" and 0 < job.percent < 100
    with pytest.raises(UserError, match="in progress"):
        jobs.start("next", "sue", Sleeper(0))
    started = time.monotonic()
    assert jobs.cancel(job.id)
    _finish(jobs, job, 15)
    assert job.state == "cancelled" and time.monotonic() - started < 10
    assert not jobs.cancel(job.id)  # already over
    # The cancel's kill guard ends with the process: nothing keeps a script alive after it
    # (a 10 s threading.Timer did).
    deadline = time.monotonic() + 3
    while _non_daemon_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _non_daemon_threads() == []
    assert _finish(jobs, jobs.start("next", "sue", Sleeper(0))).state == "done"


def test_a_stop_whose_exception_was_swallowed_still_stops_the_run() -> None:
    """SIGTERM may land where Python ignores exceptions (a fork's at-fork hook, __del__):
    the run stops at its next batch instead of going on until the kill (which left its
    temporary folder: test_a_cancelled_run_leaves_nothing failed about 1 time in 8 under load)."""
    jobs = RunJobs()
    job = _finish(jobs, jobs.start("swallowed", "sue", SwallowedStop()), 15)
    assert job.state == "cancelled", job.status()
    assert "went on after the stop" not in job.notes


def _non_daemon_threads() -> list[str]:
    main = threading.main_thread()
    return [t.name for t in threading.enumerate() if t is not main and not t.daemon]


def test_a_cancelled_run_leaves_nothing(tmp_path: Path) -> None:
    """A real run stopped in the middle: no run folder, no temporary folder left."""
    jobs = RunJobs()
    out = tmp_path / "runs" / "stopped"
    out.parent.mkdir()
    request = RunRequest(inputs=(demo_path(),), policy="statute",
                         as_of=dt.date(2020, 7, 1), out_dir=out,
                         batch_size=1)  # fmt: skip
    # One person a batch, a process each: deciding the demo takes seconds, so the cancel
    # lands in the middle (with 20 a batch, a fast run could end before the cancel did).
    job = jobs.start("stopped", "sue", request)
    deadline = time.monotonic() + 60
    while job.state != "deciding" and not job.finished and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job.state == "deciding", job.status()
    jobs.cancel(job.id)
    _finish(jobs, job, 20)
    assert job.state == "cancelled", job.status()
    assert list(out.parent.iterdir()) == []


def test_serve_options() -> None:
    result = runner.invoke(app, ["serve"])
    assert result.exit_code != 0 and "give a run directory, or --workspace" in result.output
    result = runner.invoke(app, ["serve", "--data", "."])
    assert result.exit_code != 0
