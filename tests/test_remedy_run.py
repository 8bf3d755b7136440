"""A remedy beside Prop 64 through the whole tool (issue #20): run, re-run, file, report,
explain and the workbench, on the bundled demo file with PC 1203.425.

The legal edge cases of PC 1203.425 are in ``tests/cases/pc1203_425/``; its dated versions
in ``test_remedy_versions.py``. Here: a run with ``--remedy`` decides the remedy for every
conviction and leaves Prop 64's files as they are; its figures agree with its rows; a re-run
keeps the remedy; the filing's objection-deadline lists, the report's section, ``explain``
and the workbench show what the programs decided (docs/remedies.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.remedies import remedy_vocabulary

AS_OF = "2023-03-20"  # the demo file has objection deadlines passed and ahead
COUNTY = "LOS ANGELES"
REMEDY_FILE = Path("remedies") / "pc1203_425.csv"
PROP64_FILES = ("convictions.csv", "people.csv", "cases.csv", "rejects.csv")
VOLATILE = {"timings_seconds", "peak_rss_kib", "cpu_seconds"}  # differ from run to run
runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def json_of(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("input") / "demo.csv"
    shutil.copy(demo_path(), source)
    return source


def _run(demo_csv: Path, name: str, *extra: str) -> Path:
    out = demo_csv.parent / name  # beside its own input: no other module shares the folder
    result = invoke("run", str(demo_csv), "--as-of", AS_OF, "--county", COUNTY, "--out",
                    str(out), "-q", "--accept-rejects", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def prop64_run(demo_csv: Path) -> Path:
    return _run(demo_csv, "run-prop64")


@pytest.fixture(scope="module")
def remedy_run(demo_csv: Path) -> Path:
    return _run(demo_csv, "run-remedy", "--remedy", "prop64,pc1203.425")


@pytest.fixture(scope="module")
def remedy_rows(remedy_run: Path) -> list[dict[str, str]]:
    return rows_of(remedy_run / REMEDY_FILE)


# --- the facts a remedy reads ------------------------------------------------------------
def test_arrest_step_dispositions_are_read(tmp_path: Path) -> None:
    """What an arrest step records of its end becomes ``arrest_disposition/2`` (PC 1203.425
    reads it: docs/facts.md "Other events"); blank records nothing, unknown text is other."""
    from doj_builder import arrest, court, write

    from cmr_reason.facts.fact_writer import history_facts
    from cmr_reason.facts.history_reader import read_histories, read_lp_histories
    from cmr_reason.facts.remedy_facts import remedy_facts

    path = write(tmp_path / "doj.csv", [
        arrest("001001001000", "20100105"),
        court("001002001000", "20100301"),
        arrest("002001001000", "20150105", DISP_DESCR="PROS REJ-OTHER"),
        arrest("002001002000", "20150105", DISP_DESCR="REL/DET ONLY-LACK OF SUFF EVID"),
        arrest("003001001000", "20160105", DISP_DESCR="REL/TOT OTHER JURIS/AUTH"),
        arrest("004001001000", "20170105", DISP_DESCR="SOMETHING NEW"),
    ])  # fmt: skip
    (history,) = list(read_histories([path]))
    codes = {a.arrest_id: a.dispositions for a in history.arrests}
    assert codes == {
        "1001:001001": (),
        "1001:002001": ("prosecutor_rejected", "released_detention_only"),
        "1001:003001": ("turned_over",),
        "1001:004001": ("other",),
    }
    facts = remedy_facts(history)
    assert 'arrest_disposition("1001:002001", prosecutor_rejected).' in facts
    assert 'arrest_cycle("1001:002001", "1001:002").' in facts
    # A hand-written history says the same, and reads back to the same arrests.
    lp = tmp_path / "p.lp"
    lp.write_text(history_facts(history), encoding="utf-8")
    (again,) = list(read_lp_histories([lp]))
    assert {a.arrest_id: a.dispositions for a in again.arrests} == codes
    lp.write_text(history_facts(history).replace("turned_over", "freed"), encoding="utf-8")
    with pytest.raises(Exception, match="unknown arrest disposition freed"):
        read_lp_histories([lp])


# --- the run ------------------------------------------------------------------------------
def test_prop64_files_are_unchanged_by_a_remedy(prop64_run: Path, remedy_run: Path) -> None:
    for name in PROP64_FILES:
        assert (remedy_run / name).read_bytes() == (prop64_run / name).read_bytes(), name
    assert not (prop64_run / "remedies").exists()
    plain, both = json_of(prop64_run / "summary.json"), json_of(remedy_run / "summary.json")
    assert "remedies" not in plain and "remedies" in both
    assert {k: v for k, v in both.items() if k != "remedies"} == plain
    m64, mrem = json_of(prop64_run / "manifest.json"), json_of(remedy_run / "manifest.json")
    assert "remedies" not in m64
    assert [e["name"] for e in mrem["remedies"]] == ["prop64", "pc1203.425"]
    assert mrem["remedies"][1]["file"] == "remedies/pc1203_425.csv"
    # The remedy's programs are part of the rules the run records; nothing else differs.
    assert mrem["rules_sha256"] != m64["rules_sha256"]
    differ = {k for k in {*m64, *mrem} - VOLATILE if m64.get(k) != mrem.get(k)}
    assert differ == {"remedies", "rules_sha256"}


def test_every_conviction_is_decided_once_with_its_explanation(
    remedy_run: Path, remedy_rows: list[dict[str, str]]
) -> None:
    convictions = rows_of(remedy_run / "convictions.csv")
    assert [r["conviction_id"] for r in remedy_rows] == [r["conviction_id"] for r in convictions]
    outcomes = set(remedy_vocabulary().outcomes_of["pc1203_425"])  # its own outcomes
    as_of = dt.date.fromisoformat(AS_OF)
    for row in remedy_rows:
        assert row["remedy"] == "pc1203.425" and row["outcome"] in outcomes, row
        assert row["reason"] and row["explanation"].startswith(
            remedy_vocabulary().label(row["outcome"])
        )
        rule_ids = row["rule_ids"].split(";")
        assert rule_ids[0].startswith("pc1203_425.") and row["citations"].startswith("PC 1203.425")
        if row["outcome"] == "eligible_on":
            on = dt.date.fromisoformat(row["eligible_on"])
            deadline = dt.date.fromisoformat(row["objection_deadline"])
            assert on > as_of and on - deadline == dt.timedelta(days=90), row
            assert row["stays_true"], row
        else:
            assert not row["eligible_on"] and not row["objection_deadline"], row
        if row["outcome"] == "blocked_by_record":
            assert row["reason"] in row["missing_fact"].split(";"), row
        flags = row["flags"].split(";")
        relief = row["outcome"] in ("eligible", "eligible_on")
        assert ("supervision_not_in_record" in flags) == relief, row
        felony_clause = relief and row["reason"] == "felony_four_years"
        assert ("felony_exclusions_not_in_record" in flags) == felony_clause, row
    # The demo file reaches every outcome but not_applicable (the section is in force).
    assert {r["outcome"] for r in remedy_rows} == outcomes - {"not_applicable"}


def test_the_figures_are_the_rows(remedy_run: Path, remedy_rows: list[dict[str, str]]) -> None:
    figures = json_of(remedy_run / "summary.json")["remedies"]
    data = figures["pc1203.425"]
    assert data["convictions"] == len(remedy_rows)
    assert data["by_outcome"] == {
        o: sum(r["outcome"] == o for r in remedy_rows)
        for o in remedy_vocabulary().outcomes_of["pc1203_425"]
    }
    assert data["by_reason"] == dict(Counter(f"{r['outcome']}/{r['reason']}" for r in remedy_rows))
    years = Counter(r["eligible_on"][:4] for r in remedy_rows if r["outcome"] == "eligible_on")
    assert data["eligible_on_by_year"] == dict(years)
    missing = Counter(
        f
        for r in remedy_rows
        if r["outcome"] == "blocked_by_record"
        for f in r["missing_fact"].split(";")
    )
    assert data["blocked_by_missing_fact"] == dict(missing)
    by_person: dict[str, list[str]] = {}
    for row in remedy_rows:
        by_person.setdefault(row["subject_id"], []).append(row["outcome"])
    people = rows_of(remedy_run / "people.csv")
    with_convictions = [p for p in people if int(p["convictions"]) > 0]
    assert figures["people"] == len(with_convictions)
    clears = figures["whole_record_clears"]
    assert clears["pc1203.425"] == sum(set(o) == {"eligible"} for o in by_person.values())
    assert clears["prop64"] == sum(p["convictions_after"] == "0" for p in with_convictions)
    assert max(clears["prop64"], clears["pc1203.425"]) <= clears["prop64+pc1203.425"]


def test_run_prints_the_remedy_figures(demo_csv: Path, tmp_path: Path) -> None:
    result = invoke("run", str(demo_csv), "--as-of", AS_OF, "--out", str(tmp_path / "r"),
                    "--remedy", "pc1203.425", "--accept-rejects")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "PC 1203.425: convictions decided" in result.output
    assert "Eligible on a date" in result.output


def test_a_rerun_keeps_its_remedies(remedy_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "rerun"
    shutil.copytree(remedy_run, out)
    result = invoke("run", "--out", str(out), "--force", "-q", "--accept-rejects")
    assert result.exit_code == 0, result.output
    assert [e["name"] for e in json_of(out / "manifest.json")["remedies"]][1] == "pc1203.425"
    assert (out / REMEDY_FILE).read_bytes() == (remedy_run / REMEDY_FILE).read_bytes()
    refused = invoke("run", "--out", str(out), "--force", "-q", "--remedy", "prop64")
    assert refused.exit_code == 2
    assert "--remedy prop64 where the run has prop64,pc1203.425" in " ".join(refused.output.split())
    changed = invoke("run", "--out", str(out), "--force", "-q", "--remedy", "prop64",
                     "--force-settings", "--accept-rejects")  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "remedies" not in json_of(out / "manifest.json")
    assert not (out / "remedies").exists()


def test_an_unknown_remedy_is_one_line(demo_csv: Path, tmp_path: Path) -> None:
    result = invoke("run", str(demo_csv), "--as-of", AS_OF, "--out", str(tmp_path / "x"),
                    "--remedy", "pc1203.4x")  # fmt: skip
    assert result.exit_code == 2
    assert "unknown remedy 'pc1203.4x'; valid remedies: prop64, pc1203.4, " in result.output
    assert not (tmp_path / "x").exists()


def test_remedies_command_lists_them() -> None:
    result = invoke("remedies", "--json")
    assert result.exit_code == 0, result.output
    listed = {r["name"]: r for r in json.loads(result.output)}
    assert listed["pc1203.425"]["citation"] == "PC 1203.425"
    assert "statutes/pc1203_425.lp" in listed["pc1203.425"]["programs"]
    assert listed["prop64"]["citation"].startswith("HS 11361.8")


# --- the filing's objection-deadline lists --------------------------------------------------
@pytest.fixture(scope="module")
def filing(remedy_run: Path) -> tuple[Path, str]:
    out = remedy_run.parent / "filing-remedy"
    result = invoke("file", str(remedy_run), "--out", str(out))  # six weeks ahead
    assert result.exit_code == 0, result.output
    return out, result.output


def test_objection_deadlines_ahead_and_passed(
    filing: tuple[Path, str], remedy_rows: list[dict[str, str]]
) -> None:
    out, output = filing
    as_of = dt.date.fromisoformat(AS_OF)
    until = as_of + dt.timedelta(days=42)
    ahead = rows_of(out / "objection_deadlines.csv")
    passed = rows_of(out / "objection_deadlines_passed.csv")
    later = [r for r in remedy_rows if r["outcome"] == "eligible_on" and r["county"] == COUNTY]
    deadline = {r["conviction_id"]: dt.date.fromisoformat(r["objection_deadline"]) for r in later}
    expected_ahead = {cid for cid, day in deadline.items() if as_of <= day <= until}
    expected_passed = {cid for cid, day in deadline.items() if day < as_of}
    assert expected_ahead and expected_passed  # the demo file has both at this date
    assert {r["conviction_id"] for r in ahead} == expected_ahead
    assert {r["conviction_id"] for r in passed} == expected_passed
    for rows in (ahead, passed):
        deadlines = [r["objection_deadline"] for r in rows]
        assert deadlines == sorted(deadlines)
        assert [r["row"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    for row in ahead:
        left = (dt.date.fromisoformat(row["objection_deadline"]) - as_of).days
        assert row["days_left"] == str(left) and left >= 0
        assert row["name"] and row["date_of_birth"] and row["cii"] and row["case_numbers"]
    assert all(int(r["days_left"]) < 0 for r in passed)
    squashed = " ".join(output.split())
    assert f"PC 1203.425(b) objection deadlines ahead │ {len(ahead)}" in squashed
    manifest = json_of(out / "filing.json")
    assert "objection_deadlines.csv" in manifest["files"]


def test_the_window_is_settable(remedy_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "narrow"
    result = invoke("file", str(remedy_run), "--out", str(out), "--deadline-window", "1", "-q")
    assert result.exit_code == 0, result.output
    assert rows_of(out / "objection_deadlines.csv") == []  # the nearest is 13 days ahead
    assert rows_of(out / "objection_deadlines_passed.csv")  # the passed ones stay


def test_a_prop64_filing_has_no_deadline_lists(prop64_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "plain"
    result = invoke("file", str(prop64_run), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert not list(out.glob("objection_deadlines*"))


# --- the report ------------------------------------------------------------------------------
def test_report_shows_the_remedy(remedy_run: Path, prop64_run: Path, tmp_path: Path) -> None:
    pages = {}
    for name, run, extra in (
        ("both", remedy_run, ()),
        ("hidden", remedy_run, ("--remedy", "prop64")),
        ("plain", prop64_run, ()),
        ("suppressed", remedy_run, ("--suppress-below", "11")),
    ):
        out = tmp_path / f"{name}.html"
        result = invoke("report", str(run), "--out", str(out), *extra)
        assert result.exit_code == 0, result.output
        pages[name] = out.read_text(encoding="utf-8")
    assert 'id="remedy-pc1203-425"' in pages["both"]
    assert "People whose whole record clears" in pages["both"]
    assert "Convictions clearing, now and by year ahead" in pages["both"]
    assert "Convictions blocked by the record, by the fact it lacks" in pages["both"]
    assert "an arrest with no disposition (it looks pending)" in pages["both"]
    for name in ("hidden", "plain"):
        assert "remedy-pc1203-425" not in pages[name]
    assert 'id="remedy-pc1203-425"' in pages["suppressed"] and "suppressed" in pages["suppressed"]
    refused = invoke("report", str(prop64_run), "--out", str(tmp_path / "x.html"),
                     "--remedy", "pc1203.425")  # fmt: skip
    assert refused.exit_code == 2
    assert "the run did not decide pc1203.425" in refused.output


# --- explain -------------------------------------------------------------------------------
def test_explain_shows_the_remedy(demo_csv: Path, remedy_rows: list[dict[str, str]]) -> None:
    row = next(r for r in remedy_rows if r["outcome"] == "eligible_on")
    person, cid = row["subject_id"], row["conviction_id"]
    base = ("explain", person, "-i", str(demo_csv), "--as-of", AS_OF)
    text = invoke(*base, "--remedy", "pc1203.425").output
    assert f"eligible on {row['eligible_on']}; objection deadline" in text
    assert "must stay true until then" in text and "policy statute" not in text
    both = invoke(*base, "--remedy", "prop64,pc1203.425", "--brief").output
    assert "policy statute" in both
    assert f"(on {row['eligible_on']}, object by {row['objection_deadline']})" in both
    report = json.loads(invoke(*base, "--remedy", "all", "--format", "json").output)
    tree = next(t for t in report["remedies"]["pc1203.425"] if t["conviction_id"] == cid)
    assert tree["outcome"] == "eligible_on" and tree["eligible_on"] == row["eligible_on"]
    assert tree["dates_title"] == "the date of eligibility"
    assert any(n["rule_id"] == "pc1203_425.date.decides" for n in tree["dates"])
    assert report["convictions"]  # Prop 64's trees too
    markdown = invoke(*base, "--remedy", "pc1203.425", "--format", "md").output
    assert "## pc1203.425" in markdown and "#### pc1203.425: Eligible on a date" in markdown
    plain = invoke(*base).output
    assert "pc1203.425" not in plain  # without --remedy: Prop 64 alone, as before


# --- the workbench ---------------------------------------------------------------------------
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    pytest.importorskip("flask")
    from cli_runs import add_users

    from cmr_reason.cli.workbench.app import create_workspace_app
    from cmr_reason.cli.workbench.paths import AllowedFolders
    from cmr_reason.cli.workbench.workspace import Workspace

    root = tmp_path_factory.mktemp("workspace")
    data = root / "data"
    data.mkdir()
    (data / "demo.csv").write_bytes(demo_path().read_bytes())
    space = root / "ws"
    space.mkdir()
    add_users(space)
    application = create_workspace_app(
        Workspace.prepare(space), space / "review.sqlite3", AllowedFolders([data])
    )
    application.config["TESTING"] = True
    yield application, data
    application.config["REVIEW_JOBS"].stop_all()


def test_workbench_runs_and_shows_the_remedy(workspace: tuple[Any, Path]) -> None:
    from cli_runs import PASSWORD

    web, data = workspace
    client = web.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": TOKEN.search(page).group(1), "name": "sue",
                                "password": PASSWORD["sue"]})  # fmt: skip
    form_page = client.get("/runs/new").get_data(as_text=True)
    assert 'name="remedy_pc1203_425"' in form_page
    token = TOKEN.search(form_page).group(1)
    reply = client.post("/runs/new", data={
        "csrf_token": token, "input": str(data / "demo.csv"), "name": "auto",
        "as_of": AS_OF, "policy": "statute", "county": "", "workers": "1",
        "remedy_pc1203_425": "on"})  # fmt: skip
    assert reply.status_code == 302, reply.get_data(as_text=True)
    job = reply.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    for _ in range(600):
        status = client.get(f"/jobs/{job}/status").get_json()
        if status["state"] in ("done", "rejected", "failed", "cancelled"):
            break
        time.sleep(0.2)
    assert status["state"] in ("done", "rejected"), status
    results = client.get("/runs/auto/").get_data(as_text=True)
    assert "PC 1203.425: convictions decided" in results
    assert "--remedy pc1203.425" in results and 'id="run-remedies"' in results
    run_dir = Path(web.config["REVIEW_WORKSPACE"].run_path("auto"))
    rows = rows_of(run_dir / REMEDY_FILE)
    row = next(r for r in rows if r["outcome"] == "eligible_on")
    person = client.get(f"/runs/auto/person/{row['subject_id']}").get_data(as_text=True)
    assert 'data-remedy="pc1203.425"' in person
    assert f"on <strong>{row['eligible_on']}</strong>" in person
    assert "objection deadline" in person and "The date of eligibility" in person
