"""A re-run keeps what it re-runs; a run's inputs and policy file are found from anywhere.

Issue #19 items 2 and 7: `run --decisions` and `run --force` into a run take the run's
input, policy, as-of date and county from its manifest unless given, and refuse a value
that differs without --force-settings; `file`, `serve` (its start) and re-runs work from
another directory than the run's.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.cli.workbench.auth import hash_password
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.review.db import ReviewDB
from cmr_reason.reasoner.run.directory import open_run
from cmr_reason.reasoner.run.settings import GivenSettings, resolve_settings

runner = CliRunner()
AS_OF = "2020-07-01"
LA = "los-angeles-2020"


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def la_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's run: the demo file under the Los Angeles policy, with a review database."""
    out = tmp_path_factory.mktemp("rerun") / "demo"
    code, output = _invoke("run", "--as-of", AS_OF, "--policy", LA, "--out", str(out), "-q")
    assert code == 0, output
    db = ReviewDB.create(out / "review.sqlite3")
    db.add_user("ana", "supervisor", hash_password("a-long-password"))
    return out


def test_decisions_rerun_keeps_the_los_angeles_policy(la_run: Path) -> None:
    """The README's re-run command: no --policy, --as-of or input, and nothing changes."""
    before = _summary(la_run)
    assert before["convictions"]["dismissed"] > before["statutory_by_outcome"]["dismiss_and_seal"]
    code, output = _invoke(
        "run", "--out", str(la_run), "--force", "--decisions", str(la_run / "review.sqlite3")
    )
    assert code == 0, output
    assert f"Re-deciding the run in {la_run} with its input demo_doj.csv, policy {LA}" in (
        " ".join(output.split())
    )
    manifest = _manifest(la_run)
    assert manifest["policy"]["name"] == LA
    assert manifest["as_of"] == AS_OF
    assert manifest["county"] == ""
    assert manifest["inputs"][0]["absolute"] == str(demo_path())
    assert "decisions" in manifest
    assert _summary(la_run) == before  # the same decisions: 337 dismissals stay 337


def test_a_setting_that_differs_is_refused(la_run: Path) -> None:
    before = (la_run / "manifest.json").read_bytes()
    code, output = _invoke("run", "--out", str(la_run), "--force", "--policy", "statute", "-q")
    assert code == 2
    assert output.count("\n") == 1, output  # one line
    line = " ".join(output.split())
    assert f"--policy statute where the run has {LA}" in line
    assert "--force-settings" in line
    code, output = _invoke(
        "run", "--out", str(la_run), "--force", "--as-of", "2021-01-01", "--county", "KERN"
    )
    assert code == 2
    line = " ".join(output.split())
    assert "--as-of 2021-01-01 where the run has 2020-07-01" in line
    assert "--county KERN where the run has every county" in line
    assert (la_run / "manifest.json").read_bytes() == before  # nothing replaced
    # The same values given explicitly are no mismatch.
    code, output = _invoke(
        "run", "--out", str(la_run), "--force", "--policy", "los_angeles_2020", "--as-of",
        AS_OF, "--county", "", "-q",
    )  # fmt: skip
    assert code == 0, output


def test_force_settings_changes_them_and_the_manifest_records_the_new(
    la_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    shutil.copytree(la_run, out)
    la_dismissed = _summary(out)["convictions"]["dismissed"]
    code, output = _invoke(
        "run", "--out", str(out), "--force", "--policy", "statute", "--force-settings"
    )
    assert code == 0, output
    assert f"Changing the run's settings: --policy statute where the run has {LA}" in (
        " ".join(output.split())
    )
    manifest = _manifest(out)
    assert manifest["policy"]["name"] == "statute"
    assert manifest["as_of"] == AS_OF  # the rest is kept
    summary = _summary(out)
    assert summary["run"]["policy"] == "statute"
    assert summary["convictions"]["dismissed"] < la_dismissed


def test_inputs_and_policy_file_are_found_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative input and policy paths, given in one directory, work from any other."""
    work = tmp_path / "office"
    (work / "data").mkdir(parents=True)
    shutil.copy(demo_path(), work / "data" / "doj.csv")
    (work / "la.toml").write_text(f'policy = "{LA}"\n', encoding="utf-8")
    monkeypatch.chdir(work)
    code, output = _invoke(
        "run", "data/doj.csv", "--as-of", AS_OF, "--policy", "la.toml", "--out", "runs/la", "-q"
    )
    assert code == 0, output
    entry = _manifest(work / "runs" / "la")["inputs"][0]
    assert entry["path"] == "data/doj.csv"
    assert entry["absolute"] == str(work / "data" / "doj.csv")
    assert entry["relative"] == "../../data/doj.csv"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data").mkdir()
    (elsewhere / "data" / "doj.csv").write_text("not the input\n", encoding="utf-8")
    (elsewhere / "la.toml").write_text('policy = "statute"\n', encoding="utf-8")
    monkeypatch.chdir(elsewhere)  # where the relative paths name other files
    run_dir = work / "runs" / "la"
    run = open_run(run_dir)
    row = next(r for r in run.convictions if r["outcome"] == "dismiss_and_seal")
    assert run.programs.policy_name == "la"
    trees = run.explain(row["subject_id"])
    assert any(t["conviction_id"] == row["conviction_id"] for t in trees)
    run.index_input()  # what `serve` builds at its start
    assert run.history(row["subject_id"]) is not None
    code, output = _invoke("file", str(run_dir), "--out", str(tmp_path / "filing"), "-q")
    assert code == 0, output
    assert (tmp_path / "filing" / "filing.json").is_file()
    # A re-run from here keeps the input and the policy file of the run.
    code, output = _invoke("run", "--out", str(run_dir), "--force", "-q")
    assert code == 0, output
    manifest = _manifest(run_dir)
    assert manifest["inputs"][0]["absolute"] == str(work / "data" / "doj.csv")
    assert manifest["policy"]["path"] == str(work / "la.toml")
    # The run and its input moved together: found relative to the run folder.
    moved = tmp_path / "moved"
    shutil.move(str(work), str(moved))
    assert open_run(moved / "runs" / "la").input_paths() == [
        moved / "runs" / "la" / "../../data/doj.csv"
    ]


def test_rerun_without_inputs_refuses_a_recorded_input_that_is_gone(tmp_path: Path) -> None:
    source = tmp_path / "doj.csv"
    shutil.copy(demo_path(), source)
    out = tmp_path / "run"
    code, output = _invoke("run", str(source), "--as-of", AS_OF, "--out", str(out), "-q")
    assert code == 0, output
    source.unlink()
    code, output = _invoke("run", "--out", str(out), "--force", "-q")
    assert code == 2
    assert f"input file of the run in {out} is missing: {source}" in " ".join(output.split())


def test_settings_function_of_a_first_run_and_a_rerun(la_run: Path, tmp_path: Path) -> None:
    """What the workbench's New run page calls: defaults for a new folder, else the run's."""
    demo = lambda: [demo_path()]  # noqa: E731
    with pytest.raises(UserError, match="--as-of"):
        resolve_settings(tmp_path / "new", GivenSettings(), default_inputs=demo)
    first = resolve_settings(
        tmp_path / "new", GivenSettings(as_of=dt.date(2020, 7, 1)), default_inputs=demo
    )
    assert (first.programs.policy_name, first.inputs, first.county) == ("statute", demo(), None)
    assert first.previous is None and first.carried == []
    again = resolve_settings(la_run, GivenSettings(county="los angeles"), force_settings=True)
    assert again.programs.policy_name == LA
    assert again.as_of == dt.date(2020, 7, 1)
    assert again.county == "LOS ANGELES"
    assert again.inputs == [demo_path()]
    assert again.carried == ["input", "policy", "as-of date"]
    assert again.changed == ["--county LOS ANGELES where the run has every county"]
