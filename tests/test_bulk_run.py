"""The bulk run over the bundled demo file: files, figures, row accounting, determinism."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import stat
import threading
from collections import Counter
from pathlib import Path

import pytest
from cli_runs import AS_OF
from cli_runs import run_cli as _run
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.run import bulk as bulk_module
from cmr_reason.reasoner.run import pool as pool_module
from cmr_reason.reasoner.run.contents import OUTPUT_FILES
from cmr_reason.reasoner.run.rows import CONVICTION_COLUMNS, PEOPLE_COLUMNS

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "demo"
    _run(out)
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_writes_exactly_the_contract_files(demo_run: Path) -> None:
    assert sorted(p.name for p in demo_run.iterdir()) == sorted(OUTPUT_FILES)
    for path in demo_run.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with (demo_run / "convictions.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == list(CONVICTION_COLUMNS)
    with (demo_run / "people.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == list(PEOPLE_COLUMNS)


def test_summary_equals_counts_from_the_csv_files(demo_run: Path) -> None:
    summary = json.loads((demo_run / "summary.json").read_text())
    convictions = _rows(demo_run / "convictions.csv")
    people = _rows(demo_run / "people.csv")
    outcomes = Counter(r["outcome"] for r in convictions)
    assert summary["by_outcome"] == dict(sorted(outcomes.items()))
    assert summary["convictions"]["total"] == len(convictions)
    dismissed = [r for r in convictions if r["outcome"] == "dismiss_and_seal"]
    assert summary["convictions"]["dismissed"] == len(dismissed)
    assert summary["convictions"]["dismissed_felonies"] == sum(
        r["level"] == "felony" for r in dismissed
    )
    assert summary["convictions"]["dismissed_misdemeanors"] == sum(
        r["level"] == "misdemeanor" for r in dismissed
    )
    relieved = [p for p in people if int(p["relieved_convictions"]) > 0]
    assert summary["people"]["total"] == len(people)
    assert summary["people"]["relieved"] == len(relieved)
    assert summary["people"]["relieved_no_felony_after"] == sum(
        p["no_felony_after"] == "yes" for p in relieved
    )
    assert summary["people"]["relieved_no_conviction_after"] == sum(
        p["no_conviction_after"] == "yes" for p in relieved
    )
    reviews = Counter(r["reason"] for r in convictions if r["outcome"] == "review")
    assert summary["reviews_by_reason"] == dict(sorted(reviews.items()))
    by_race = Counter(p["race"] or "unknown" for p in relieved)
    assert {k: v["relieved"] for k, v in summary["by_race"].items() if v["relieved"]} == dict(
        by_race
    )
    # Every conviction row belongs to a person row.
    assert {r["subject_id"] for r in convictions} <= {p["subject_id"] for p in people}
    assert sum(int(p["convictions"]) for p in people) == len(convictions)


def test_every_input_row_is_accounted_for_once(demo_run: Path) -> None:
    summary = json.loads((demo_run / "summary.json").read_text())
    counts = summary["input"]
    with demo_path().open(encoding="utf-8", newline="") as handle:
        data_rows = sum(1 for _ in csv.reader(handle)) - 1  # minus the header
    assert counts["rows_in"] == data_rows
    assert (
        counts["rows_in"]
        == counts["rows_used"] + counts["rows_irrelevant"] + counts["rows_rejected"]
    )
    rejects = _rows(demo_run / "rejects.csv")
    assert len(rejects) == counts["rows_rejected"] > 0
    assert all(r["source_line"].isdigit() and r["reason"] for r in rejects)
    manifest = json.loads((demo_run / "manifest.json").read_text())
    assert manifest["inputs"][0]["rows"] == data_rows
    # Hashed in a thread while the last batches are decided: the whole file's digest.
    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(demo_path().read_bytes()).hexdigest()


def test_two_runs_and_worker_counts_are_byte_identical(demo_run: Path, tmp_path: Path) -> None:
    _run(tmp_path / "again")
    _run(tmp_path / "two", "--workers", "2", "--batch-size", "40")
    for name in OUTPUT_FILES:
        if name == "manifest.json":
            continue
        reference = (demo_run / name).read_bytes()
        assert (tmp_path / "again" / name).read_bytes() == reference, name
        assert (tmp_path / "two" / name).read_bytes() == reference, name


def test_one_worker_decides_several_batches_outside_the_run_process(
    demo_run: Path, tmp_path: Path
) -> None:
    """Clingo never frees its symbol table: a run of many batches must not grow the parent."""
    _run(tmp_path / "one", "--workers", "1", "--batch-size", "40")
    for name in OUTPUT_FILES:
        if name != "manifest.json":
            assert (tmp_path / "one" / name).read_bytes() == (demo_run / name).read_bytes(), name
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text(encoding="utf-8"))
    people = json.loads((demo_run / "summary.json").read_text(encoding="utf-8"))["people"]
    batches = -(-people["total"] // 40)
    assert batches > 2
    assert manifest["peak_rss_kib"]["worker_processes"] == batches  # a child a batch


def test_a_batch_process_killed_gives_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's process killed from outside (the out-of-memory killer, say): no traceback."""
    decide = bulk_module.run_batch

    def killed_on_the_second(index: int, items: list, spec: object) -> object:
        if index == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return decide(index, items, spec)

    monkeypatch.setattr(bulk_module, "run_batch", killed_on_the_second)
    out = tmp_path / "killed"
    result = runner.invoke(
        app, ["run", "--as-of", AS_OF, "--out", str(out), "-q", "--batch-size", "40"]
    )
    assert result.exit_code == 2, result.output
    assert "batch 1: its process ended without a result (signal 9)" in result.output
    assert "fewer --workers or a smaller --batch-size" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_existing_output_is_refused_without_force(demo_run: Path) -> None:
    result = runner.invoke(app, ["run", "--as-of", AS_OF, "--out", str(demo_run), "-q"])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2020-02-30"], "--as-of must be a date"),
        (["--as-of", AS_OF, "--policy", "nowhere"], "valid policies"),
        (["missing.csv", "--as-of", AS_OF], "not found"),
        ([], "--as-of"),
    ],
)
def test_bad_arguments_give_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["run", "--out", str(tmp_path / "x"), "-q", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_input_with_no_usable_rows_fails_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(bad), "--as-of", AS_OF, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no usable rows" in result.output
    assert not (tmp_path / "o").exists()


def test_the_input_error_comes_before_the_program_made_while_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk program is made while the input is read; its error still comes after the read's."""
    header_only = tmp_path / "header.csv"
    header_only.write_text(demo_path().read_text(encoding="utf-8").splitlines()[0] + "\n")
    made = []

    def broken(self: object, absent: object) -> str:
        made.append(absent)
        raise RuntimeError("the program failed")

    monkeypatch.setattr(bulk_module.ProgramSet, "bulk_program_without", broken)
    result = runner.invoke(
        app, ["run", str(header_only), "--as-of", AS_OF, "--out", str(tmp_path / "o")]
    )
    assert made  # it was made, while reading
    assert result.exit_code == 2, result.output
    assert "no data rows" in result.output
    result = runner.invoke(app, ["run", "--as-of", AS_OF, "--out", str(tmp_path / "p")])
    assert isinstance(result.exception, RuntimeError)  # a good input: the program's error


def test_county_scope_keeps_priors_but_decides_only_that_county(tmp_path: Path) -> None:
    history = tmp_path / "two_counties.lp"
    history.write_text(
        """
person("p"). birth("p", 19600101).
case("p:k1", "p", "ORANGE", "CASC ORANGE").
conviction("p:c1", "p", "p:k1"). disposition_date("p:c1", 19900101).
charge("p:c1", pc, "187", ()). level("p:c1", felony).
case("p:k2", "p", "ORANGE", "CASC ORANGE").
conviction("p:c2", "p", "p:k2"). disposition_date("p:c2", 20000105).
charge("p:c2", hs, "11359", ()). level("p:c2", felony).
case("p:k3", "p", "LOS ANGELES", "CASC LOS ANGELES").
conviction("p:c3", "p", "p:k3"). disposition_date("p:c3", 20050105).
charge("p:c3", hs, "11359", ()). level("p:c3", felony).
""",
        encoding="utf-8",
    )
    out = tmp_path / "scoped"
    _run(out, str(history), "--county", "los angeles")
    rows = {r["conviction_id"]: r for r in _rows(out / "convictions.csv")}
    assert rows["p:c2"]["outcome"] == "not_applicable"
    assert rows["p:c2"]["reason"] == "outside_county"
    assert rows["p:c2"]["statutory_outcome"] == "not_eligible"
    # The out-of-county murder conviction still counts as a prior (HS 11359(c)(1)).
    assert rows["p:c3"]["outcome"] == "not_eligible"
    assert rows["p:c3"]["reason"] == "prior_superstrike"


def test_run_compare_writes_each_policy_and_the_differences(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    _run(out, "--compare", "statute,los-angeles-2020")
    comparison = json.loads((out / "comparison.json").read_text())
    assert comparison["policies"] == ["statute", "los-angeles-2020"]
    statute = _rows(out / "statute" / "convictions.csv")
    la = _rows(out / "los-angeles-2020" / "convictions.csv")
    differing = [
        (a["conviction_id"], a["outcome"], b["outcome"])
        for a, b in zip(statute, la, strict=True)
        if (a["outcome"], a["reason"]) != (b["outcome"], b["reason"])
    ]
    rows = _rows(out / "comparison.csv")
    assert [(r["conviction_id"], r["statute:outcome"], r["los-angeles-2020:outcome"])
            for r in rows] == differing  # fmt: skip
    assert comparison["differing_convictions"] == len(differing) > 0
    # In its county, Los Angeles dismisses where the statute only redesignates, never the
    # reverse; convictions of other counties are left to their prosecutors.
    la_reason = {r["conviction_id"]: r["reason"] for r in la}
    in_county = [d for d in differing if la_reason[d[0]] != "outside_county"]
    assert in_county
    assert all(s != "dismiss_and_seal" for _, s, _ in in_county)
    assert (
        comparison["headline"]["los-angeles-2020"]["convictions.dismissed"]
        > comparison["headline"]["statute"]["convictions.dismissed"]
    )


def test_range_readers_are_forked_only_when_no_other_thread_runs() -> None:
    """A reader forked beside another thread could inherit a lock that thread held."""
    if not pool_module.forks_per_batch():
        pytest.skip("no fork server here: readers start as the batch workers do")
    alone = threading.active_count() == 1
    assert (bulk_module.readers_context().get_start_method() == "fork") == alone
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert bulk_module.readers_context().get_start_method() == "forkserver"
    finally:
        stop.set()
        other.join()
