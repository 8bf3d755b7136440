"""The modules compiled by mypyc (setup.py): same bytes as the sources, never a stale build.

The checks run on what the install built: when nothing is compiled here (no C compiler, or
``CMR_REASON_PURE_PYTHON`` at install time) the comparisons of compiled and Python are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cmr_reason.facts import compiled
from cmr_reason.facts.doj import reader

ROOT = Path(__file__).resolve().parent.parent
TOOL = Path(sys.executable).with_name("cmr-reason")
# manifest.json keys that differ from run to run by design (tests/bench/same_outputs.py)
VOLATILE = {"timings_seconds", "cpu_seconds", "peak_rss_kib"}
_PROBE = (
    "import cmr_reason.facts.compiled as c, cmr_reason.facts.doj.direct as d, "
    "cmr_reason.reasoner.run.rows as r; print(c.STATE, d.__file__, r.__file__)"
)


def _built() -> bool:
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_PYTHON}
    probe = "import cmr_reason.facts.compiled as c; print(c.STATE)"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    return done.stdout.strip() == "compiled"


needs_build = pytest.mark.skipif(not _built(), reason="no compiled modules in this install")


def _env(pure: bool, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_PYTHON}
    if pure:
        env[compiled.PURE_PYTHON] = "1"
    return env | extra


def test_row_positions_follow_the_kept_columns() -> None:
    # reader._K's constants (one Final a line, for mypyc) are the projected row's positions
    positions = {name: getattr(reader._K, name) for name in reader._KEPT_COLUMNS}
    assert list(positions.values()) == list(range(len(reader._KEPT_COLUMNS)))


def _differences(a: Path, b: Path) -> list[str]:
    """Every file of two run folders byte for byte, manifest.json without its timings."""
    names = sorted({p.relative_to(a) for p in a.rglob("*") if p.is_file()}
                   | {p.relative_to(b) for p in b.rglob("*") if p.is_file()})  # fmt: skip
    found = []
    for name in names:
        left, right = a / name, b / name
        if not left.is_file() or not right.is_file():
            found.append(f"only one side: {name}")
        elif name.name == "manifest.json":
            keep = lambda d: {k: v for k, v in d.items() if k not in VOLATILE}  # noqa: E731
            if keep(json.loads(left.read_bytes())) != keep(json.loads(right.read_bytes())):
                found.append(f"differs: {name}")
        elif left.read_bytes() != right.read_bytes():
            found.append(f"differs: {name}")
    return found


@needs_build
def test_compiled_and_python_runs_write_the_same_bytes(tmp_path: Path) -> None:
    # The demo in batches of 100 on two workers: the batches' children run the compiled
    # facts, read-back and rows on one side, the sources on the other.
    folders = {}
    for side in ("compiled", "python"):
        out = tmp_path / "out"  # the same folder each time: the manifest names it
        args = [str(TOOL), "run", "--as-of", "2020-07-01", "--policy", "los-angeles-2020",
                "--workers", "2", "--batch-size", "100", "--out", str(out), "--force",
                "-q"]  # fmt: skip
        done = subprocess.run(args, env=_env(side == "python"), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""  # no stale-build warning: the compiled side is compiled
        folders[side] = out.rename(tmp_path / side)
    python, built = folders["python"], folders["compiled"]
    assert len(list(built.rglob("*.csv"))) >= 3
    assert _differences(built, python) == []
    # and the comparison sees one changed byte
    rows = next(python.glob("convictions*.csv"))
    data = bytearray(rows.read_bytes())
    data[-2] ^= 1
    rows.write_bytes(bytes(data))
    assert _differences(built, python) == [f"differs: {rows.name}"]


@needs_build
def test_the_run_uses_the_compiled_modules_unless_told_not_to() -> None:
    state, direct, rows = subprocess.run(
        [sys.executable, "-c", _PROBE], env=_env(False), capture_output=True, text=True,
        check=True,
    ).stdout.split()  # fmt: skip
    assert state == "compiled"
    assert not direct.endswith(".py") and not rows.endswith(".py")
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=_env(True), capture_output=True, text=True, check=True
    )
    state, direct, rows = done.stdout.split()
    assert state == "pure" and direct.endswith(".py") and rows.endswith(".py")
    assert done.stderr == ""


@needs_build
def test_an_edited_source_runs_as_python_with_one_warning(tmp_path: Path) -> None:
    # A copy of the installed package, imported from its folder (PYTHONPATH comes first).
    package = tmp_path / "cmr_reason"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for top in ("facts", "reasoner", "cli", "programs"):
        shutil.copytree(ROOT / top, package / top, ignore=shutil.ignore_patterns("__pycache__"))
    env = _env(False, PYTHONPATH=str(tmp_path))

    def probe() -> tuple[list[str], str]:
        done = subprocess.run([sys.executable, "-c", _PROBE], env=env, cwd=tmp_path,
                              capture_output=True, text=True, check=True)  # fmt: skip
        return done.stdout.split(), done.stderr

    (state, direct, rows), warning = probe()
    assert (state, warning) == ("compiled", "")
    assert direct.startswith(str(package)) and not direct.endswith(".py")
    assert compiled.check(package) == "compiled"
    # one module edited: every compiled module gives way to its source, not only that one
    source = package / "reasoner" / "run" / "rows.py"
    source.write_text(source.read_text() + "\n# edited after the build\n")
    assert compiled.check(package) == "stale"
    (state, direct, rows), warning = probe()
    assert state == "stale"
    assert direct == str(package / "facts" / "doj" / "direct.py")
    assert rows == str(source)
    assert warning.count("\n") == 1 and compiled.REINSTALL in warning
    # a build without its record is stale too
    source.write_text(source.read_text().removesuffix("\n# edited after the build\n"))
    assert compiled.check(package) == "compiled"
    (package / "facts" / compiled.RECORD).unlink()
    assert compiled.check(package) == "stale"
