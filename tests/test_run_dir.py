"""Opening a finished run: files, re-read inputs (hash-checked), re-decided explanations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.run.directory import open_run


def test_run_dir_reopens_inputs_and_explains(tmp_path: Path) -> None:
    source = tmp_path / "demo.csv"
    shutil.copy(demo_path(), source)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["run", str(source), "--as-of", "2020-07-01", "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    run = open_run(out)
    row = next(r for r in run.convictions if r["outcome"] == "dismiss_and_seal")
    trees = run.explain(row["subject_id"])
    tree = next(t for t in trees if t["conviction_id"] == row["conviction_id"])
    assert tree["outcome"] == row["outcome"]
    assert tree["rule"]["rule_id"] == row["rule_ids"].split(";")[0]
    source.write_text(source.read_text() + "\n", encoding="utf-8")
    changed = open_run(out)
    with pytest.raises(UserError, match="changed since the run"):
        changed.explain(row["subject_id"])


def test_not_a_run_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"is not a cmr-reason run \(it has no manifest.json\)"):
        open_run(tmp_path)
    (tmp_path / "manifest.json").write_text('{"tool": "other"}', encoding="utf-8")
    with pytest.raises(UserError, match=r"its manifest\.json is not a run's"):
        open_run(tmp_path)
    (tmp_path / "manifest.json").write_text('{"tool": "cmr-reason"}', encoding="utf-8")
    with pytest.raises(UserError, match=r"not a complete run \(missing convictions.csv"):
        open_run(tmp_path)
