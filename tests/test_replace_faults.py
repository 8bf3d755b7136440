"""Replacing a run cannot destroy it: kills at every step, full disks, refusals (issue #16).

A kill is a real SIGKILL: a forked copy of this process runs ``cmr-reason run`` and kills
itself at a named step (``CMR_REASON_KILL_AT``, reasoner/run/fault_points.py), or a subprocess
is killed while its workers run. After each, the target holds a complete run (old or new)
with the reviewers' database, and the next start finishes the replacement and removes what
the killed run left. Full disks and read-only folders are injected ``OSError``s at the
write that meets them; the file-size limit is real (``RLIMIT_FSIZE``).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runs import AS_OF
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.filing.writer import filing_problem
from cmr_reason.reasoner.review.db import ReviewDB
from cmr_reason.reasoner.run import bulk as bulk_run
from cmr_reason.reasoner.run import replace_dir
from cmr_reason.reasoner.run.bulk import RunConfig, run
from cmr_reason.reasoner.run.contents import OUTPUT_FILES, run_problem
from cmr_reason.reasoner.run.directory import open_run
from cmr_reason.reasoner.run.fault_points import KILL_AT_ENV
from cmr_reason.reasoner.run.scratch_dir import PREFIX as SCRATCH_PREFIX

runner = CliRunner()

OLD_POLICY, NEW_POLICY = "statute", "los-angeles-2020"
BEFORE_COMMIT = ["reading", "batch_written", "manifest", "built"]
AFTER_COMMIT = ["committed", "carried", "swapped", "retiring", "retired"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "tiny.csv"
    write_file(path, 12, 5)
    return path


def _invoke(*args: str) -> Any:
    return runner.invoke(app, ["run", "--as-of", AS_OF, "-q", *args])


def _old_run(tiny: Path, tmp_path: Path) -> Path:
    """A finished run under the statute, with a review database, its secret and decisions."""
    out = tmp_path / "runs" / "out"
    result = _invoke(str(tiny), "--out", str(out), "--policy", OLD_POLICY)
    assert result.exit_code == 0, result.output
    db = ReviewDB.create(out / "review.sqlite3")
    db.add_user("ann", "reviewer", "not-a-real-hash")
    (out / "review.secret").write_bytes(b"s" * 32)
    result = _invoke(str(tiny), "--out", str(out), "--policy", OLD_POLICY, "--force",
                     "--decisions", str(out / "review.sqlite3"))  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def _files(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def _lines(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


def _complete(out: Path) -> str:
    """Check ``out`` is a complete run with its review files; return its policy."""
    names = {p.name for p in out.iterdir()}
    assert set(OUTPUT_FILES) | {"decisions.lp", "review.sqlite3", "review.secret"} <= names
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert _lines(out / "convictions.csv") == manifest["counts"]["convictions"]
    assert _lines(out / "people.csv") == manifest["counts"]["people"]
    facts = (out / "decisions.lp").read_bytes()
    assert hashlib.sha256(facts).hexdigest() == manifest["decisions"]["file_sha256"]
    assert [u.name for u in ReviewDB(out / "review.sqlite3").users()] == ["ann"]
    assert (out / "review.secret").read_bytes() == b"s" * 32
    return str(manifest["policy"]["name"])


def _beside(out: Path) -> list[str]:
    """What lies beside ``out`` in its folder."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def _new_args(tiny: Path, out: Path, temp: Path) -> list[str]:
    return [str(tiny), "--out", str(out), "--policy", NEW_POLICY, "--force", "--force-settings",
            "--decisions", str(out / "review.sqlite3"), "--batch-size", "2"]  # fmt: skip


def _in_child(body: Callable[[], object], limit: int | None = None) -> tuple[int, str]:
    """Run ``body`` in a forked copy of this process: (wait status, what it reported)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        try:
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            report = str(body())
        except BaseException as exc:
            report = f"{type(exc).__name__}: {exc}"
        os.write(write_end, report.encode("utf-8", "replace"))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        reported = handle.read().decode("utf-8")
    _, status = os.waitpid(pid, 0)
    return status, reported


def _killed_at(step: str, args: list[str], temp: Path) -> None:
    """Run ``cmr-reason run ARGS`` in a child that SIGKILLs itself at ``step``."""

    def body() -> object:
        os.environ[KILL_AT_ENV] = step
        tempfile.tempdir = str(temp)
        return _invoke(*args).output

    status, reported = _in_child(body)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (step, reported)


@pytest.mark.parametrize("step", BEFORE_COMMIT + AFTER_COMMIT)
def test_kill_at_each_step_leaves_a_complete_run(tiny: Path, tmp_path: Path, step: str) -> None:
    out = _old_run(tiny, tmp_path)
    before, db_inode = _files(out), (out / "review.sqlite3").stat().st_ino
    temp = tmp_path / "tmp"
    temp.mkdir()
    _killed_at(step, _new_args(tiny, out, temp), temp)
    # Right after the kill, before anything is recovered: a complete run, with its database.
    policy = _complete(out)
    if step in BEFORE_COMMIT:
        assert policy == OLD_POLICY and _files(out) == before
    # Killed after the journal went, nothing is left; before, the build or the journal is.
    assert bool(_beside(out)) == (step != "retired")
    # The next start finishes or removes what the kill left.
    opened = open_run(out)
    assert opened.manifest["policy"]["name"] == (NEW_POLICY if step in AFTER_COMMIT else OLD_POLICY)
    assert _complete(out) == opened.manifest["policy"]["name"]
    assert (out / "review.sqlite3").stat().st_ino == db_inode  # moved, never copied
    assert _beside(out) == []
    # Spilled rows: a killed run's scratch folder is removed by the next run's start.
    config = RunConfig(
        inputs=[tiny], programs=load_program_set(NEW_POLICY), as_of=_as_of(),
        out_dir=tmp_path / "other", temp_dir=str(temp),
    )  # fmt: skip
    run(config)
    assert not [p for p in temp.iterdir() if p.name.startswith(SCRATCH_PREFIX)]


def _as_of() -> Any:
    import datetime as dt

    return dt.date.fromisoformat(AS_OF)


def test_kill_between_the_two_renames_without_exchange(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the system cannot exchange two folders, the old run is renamed aside first."""
    out = _old_run(tiny, tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(replace_dir, "_exchange", lambda a, b: False)
    _killed_at("aside", _new_args(tiny, out, temp), temp)
    assert not out.exists()  # the one moment the target is absent; the journal knows
    assert (out.parent / ".out.replacing").is_file()
    assert _complete(open_run(out).path) == NEW_POLICY
    assert _beside(out) == []


_IDLE_WORKERS = """
import os, signal
from cmr_reason.reasoner.run.batch_worker import worker_pid
from cmr_reason.reasoner.run.pool import pool_context, process_pool
with process_pool(2, pool_context()[0]) as pool:  # as the range readers' pool: workers stay
    print(sorted({f.result() for f in [pool.submit(worker_pid) for _ in range(8)]}))
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_run_leaves_no_worker_processes() -> None:
    """Workers forked from a fork server, idle when the run is killed, end with it."""
    tag = uuid.uuid4().hex
    done = subprocess.run(
        [sys.executable, "-c", _IDLE_WORKERS], env={**os.environ, "CMR_TEST_TAG": tag},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout.startswith("["), done.stdout
    deadline = time.monotonic() + 30
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _tagged(tag) == []


def _tagged(tag: str) -> list[int]:
    """Processes whose environment carries ``tag`` (the killed run's helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"CMR_TEST_TAG={tag}".encode() in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


# --- refusals ----------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: (d / "notes.txt").write_text("mine"), "not a cmr-reason run"),
        (lambda d: (d / "manifest.json").write_text("{}"), "not a cmr-reason run's"),
        (lambda d: (d / "sub").mkdir(), "sub/"),
    ],
)
def test_force_refuses_a_folder_that_is_not_a_run(
    tiny: Path, tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    out = tmp_path / "runs" / "out"
    out.mkdir(parents=True)
    make(out)
    (out / "input.csv").write_bytes(tiny.read_bytes())
    before = _tree(out)
    result = _invoke(str(out / "input.csv"), "--out", str(out), "--force")
    assert result.exit_code == 2, result.output
    assert message in result.output and "input.csv" in result.output
    assert "refusing to replace" in result.output and len(result.output.splitlines()) == 1
    assert _tree(out) == before and _beside(out) == []


def test_force_refuses_a_run_with_other_files(tiny: Path, tmp_path: Path) -> None:
    out = _old_run(tiny, tmp_path)
    (out / "my notes.txt").write_text("keep me")
    before = _tree(out)
    result = _invoke(str(tiny), "--out", str(out), "--force")
    assert result.exit_code == 2
    assert "besides a cmr-reason run it holds 1 entry: my notes.txt" in result.output
    assert _tree(out) == before and _beside(out) == []


def test_force_refuses_a_file_and_a_link(tiny: Path, tmp_path: Path) -> None:
    out = _old_run(tiny, tmp_path)
    link = tmp_path / "link"
    link.symlink_to(out)
    assert "symbolic link" in _invoke(str(tiny), "--out", str(link), "--force").output
    plain = tmp_path / "plain"
    plain.write_text("x")
    assert "is a file" in _invoke(str(tiny), "--out", str(plain), "--force").output
    assert plain.read_text() == "x" and _complete(out) == OLD_POLICY


def test_force_replaces_an_empty_folder(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert _invoke(str(tiny), "--out", str(out), "--force").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


def test_compare_refuses_a_run_folder(tiny: Path, tmp_path: Path) -> None:
    out = _old_run(tiny, tmp_path)
    before = _tree(out)
    result = _invoke(
        str(tiny), "--out", str(out), "--force", "--compare", "statute,los-angeles-2020"
    )
    assert result.exit_code == 2 and "not a cmr-reason comparison" in result.output
    assert _tree(out) == before


def test_filing_contents(tmp_path: Path) -> None:
    folder = tmp_path / "filing"
    folder.mkdir()
    (folder / "a.csv").write_text("x")
    assert "not a cmr-reason filing" in str(filing_problem(folder))
    (folder / "filing.json").write_text(json.dumps({"tool": "cmr-reason", "files": {"a.csv": ""}}))
    assert filing_problem(folder) is None
    (folder / "b.txt").write_text("y")
    assert "b.txt" in str(filing_problem(folder))


def test_leftovers_of_earlier_versions(tiny: Path, tmp_path: Path) -> None:
    """Older versions left ``.NAME.tmp-PID`` (partial outputs) and ``.NAME.review-PID``."""
    out = _old_run(tiny, tmp_path)
    dead = _dead_pid()
    partial = out.parent / f".out.tmp-{dead}"
    partial.mkdir()
    (partial / "convictions.csv").write_text("partial")
    keep = out.parent / f".out.review-{dead}"
    keep.mkdir()
    os.rename(out / "review.secret", keep / "review.secret")
    stranger = out.parent / f".out.tmp-{dead}9"
    stranger.mkdir()
    (stranger / "mine.txt").write_text("not the project's")
    cache = out / f".output_rows.sqlite.tmp-{dead}"  # a killed cache build: names, births
    cache.write_text("partial")
    assert run_problem(out) is None  # still a run: --force may replace it
    open_run(out)
    assert _beside(out) == [stranger.name] and not cache.exists()
    assert (out / "review.secret").read_bytes() == b"s" * 32


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- full disk, file-size limit, read-only ------------------------------------------------


def _one_line_failure(result: Any, *words: str) -> None:
    assert result.exit_code == 4, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


class _FullDisk:
    """A file that takes ``room`` characters, then fails as a full disk does."""

    def __init__(self, handle: Any, room: int) -> None:
        self.handle, self.room = handle, room

    def write(self, text: str) -> int:
        self.room -= len(text)
        if self.room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return int(self.handle.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.mark.parametrize("name", ["convictions.csv", "summary.json", "manifest.json"])
def test_disk_full_while_writing(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    out = _old_run(tiny, tmp_path)
    before = _files(out)
    opener = bulk_run.open_private

    def full(path: Path) -> Any:
        handle = opener(path)
        return _FullDisk(handle, 100) if path.name == name else handle

    monkeypatch.setattr(bulk_run, "open_private", full)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    result = _invoke(*_new_args(tiny, out, temp))
    _one_line_failure(result, "no space left on the device", str(out), "is unchanged")
    assert _files(out) == before and _beside(out) == [] and list(temp.iterdir()) == []


def test_read_only_output_folder(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _old_run(tiny, tmp_path)
    before = _files(out)
    mkdir = Path.mkdir

    def read_only(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.name.startswith(".out.new-"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    result = _invoke(str(tiny), "--out", str(out), "--force")
    _one_line_failure(result, "the file system is read-only", "is unchanged")
    assert _files(out) == before


def test_disk_full_at_the_commit(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _old_run(tiny, tmp_path)
    before = _files(out)

    def full(out: Path, entry: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(replace_dir, "_write_journal", full)
    result = _invoke(str(tiny), "--out", str(out), "--force")
    _one_line_failure(result, "no space left on the device", "is unchanged")
    assert _files(out) == before and _beside(out) == []


@pytest.mark.parametrize("step", ["carried", "swapped", "retiring"])
def test_failure_after_the_commit_is_finished_later(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    out = _old_run(tiny, tmp_path)

    def fail(at: str) -> None:
        if at == step:
            raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(replace_dir, "checkpoint", fail)
    result = _invoke(*_new_args(tiny, out, tmp_path))
    _one_line_failure(result, str(out))
    assert _complete(out) in (OLD_POLICY, NEW_POLICY)
    monkeypatch.undo()
    assert _complete(open_run(out).path) == NEW_POLICY and _beside(out) == []


def test_file_size_limit(tiny: Path, tmp_path: Path) -> None:
    """``ulimit -f``: the kernel refuses the write past the limit (SIGXFSZ is ignored)."""
    out = _old_run(tiny, tmp_path)
    before = _files(out)
    status, reported = _in_child(
        lambda: (lambda r: f"{r.exit_code} {r.output}")(
            _invoke(str(tiny), "--out", str(out), "--force")
        ),
        limit=4096,
    )
    assert os.WIFEXITED(status), reported
    assert reported.startswith("4 ") and "file-size limit" in reported, reported
    assert len(reported.strip().splitlines()) == 1
    assert _files(out) == before and _beside(out) == []


def test_full_temporary_folder(tiny: Path, tmp_path: Path) -> None:
    """Spilled rows meet the file-size limit in TMPDIR before any output is written."""
    out = tmp_path / "out"
    temp = tmp_path / "tmp"
    temp.mkdir()
    config = RunConfig(
        inputs=[tiny], programs=load_program_set("statute"), as_of=_as_of(), out_dir=out,
        memory_budget=1, temp_dir=str(temp),
    )  # fmt: skip

    def body() -> object:
        try:
            run(config)
        except UserError as exc:
            return f"{exc.exit_code} {exc}"
        return "no error"

    status, reported = _in_child(body, limit=150)
    assert os.WIFEXITED(status), reported
    assert reported.startswith(f"4 cannot write temporary files in {temp} (TMPDIR)"), reported
    assert "file-size limit" in reported
    assert not out.exists() and list(temp.iterdir()) == [] and _beside(out) == ["tmp"]


def test_sigterm_removes_what_the_run_wrote(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _old_run(tiny, tmp_path)
    before = _files(out)

    def terminate(at: str) -> None:
        if at == "batch_written":
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(bulk_run, "checkpoint", terminate)
    result = _invoke(str(tiny), "--out", str(out), "--force", "--batch-size", "2")
    assert result.exit_code == 128 + signal.SIGTERM, result.output
    assert "stopped by SIGTERM; nothing was replaced" in result.output
    assert _files(out) == before and _beside(out) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_target_made_while_the_run_built_is_not_replaced_without_force(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"

    def appear(step: str) -> None:
        if step == "built":
            out.mkdir()
            (out / "theirs.txt").write_text("made meanwhile")

    monkeypatch.setattr(replace_dir, "checkpoint", appear)
    result = _invoke(str(tiny), "--out", str(out))
    assert result.exit_code == 2 and "exists; use --force" in result.output
    assert _tree(out) == {"theirs.txt": b"made meanwhile"} and _beside(out) == []
