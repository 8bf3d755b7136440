"""``--engine dask`` on a LocalCluster gives the local engine's bytes."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import pytest
from cli_runs import AS_OF
from cli_runs import run_cli as _run
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.doj import split as doj_split
from cmr_reason.reasoner.run import bulk as bulk_run
from cmr_reason.reasoner.run.contents import OUTPUT_FILES

runner = CliRunner()


def test_dask_local_cluster_equals_local_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    _run(tmp_path / "local", "--batch-size", "60")
    # Any file is "large": the Dask run's client reads it in byte ranges with its own cores.
    monkeypatch.setattr(doj_split, "MIN_SPLIT_BYTES", 1)
    monkeypatch.setattr(bulk_run.os, "cpu_count", lambda: 2)
    _run(tmp_path / "dask", "--engine", "dask", "--workers", "2", "--batch-size", "60")
    for name in OUTPUT_FILES:
        if name == "manifest.json":
            continue
        local = (tmp_path / "local" / name).read_bytes()
        assert (tmp_path / "dask" / name).read_bytes() == local, name
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "dask"
    assert manifest["peak_rss_kib"]["readers_sum"] > 0  # two range readers ran


def test_dask_missing_gives_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_distributed(name: str, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    out = tmp_path / "x"
    result = runner.invoke(app, ["run", "--as-of", AS_OF, "--out", str(out), "-q",
                                 "--engine", "dask"])  # fmt: skip
    assert result.exit_code == 2
    assert "pip install 'cmr-reason[dask]'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_engine_and_scheduler_without_dask(tmp_path: Path) -> None:
    for args, message in (
        (["--engine", "spark"], "unknown engine"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler needs --engine dask"),
    ):
        result = runner.invoke(
            app, ["run", "--as-of", AS_OF, "--out", str(tmp_path / "o"), "-q", *args]
        )
        assert result.exit_code == 2, result.output
        assert message in result.output
