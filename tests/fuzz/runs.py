"""Run ``cmr-reason`` as a user would (a child process) and read what a run wrote.

A run's output rows are kept per person as digests (:class:`Outputs`), so that the checker
can compare hundreds of thousands of people with little memory: a person's conviction rows
(without the input path, with the input line mapped back to the clean file's), their
``people.csv`` row and their ``cases.csv`` rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AS_OF = "2020-07-01"
#: convictions.csv columns the checker reads (docs/outputs.md).
SUBJECT, SOURCE_FILE, SOURCE_LINE = "subject_id", "source_file", "source_line"
EXPLANATION = "explanation"
_NAMED_LINE = re.compile(r"\bline (\d+)")  # "(the first: FILE, line N)" of a rejected line


def command() -> list[str]:
    """How to start ``cmr-reason`` from this interpreter's environment."""
    script = Path(sys.executable).with_name("cmr-reason")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cmr_reason.cli.app import main; main()"]


@dataclass
class RunResult:
    """One finished ``cmr-reason`` command."""

    args: list[str]
    returncode: int
    stderr: str
    seconds: float
    out: Path | None = None

    @property
    def manifest(self) -> dict[str, Any]:
        """The run's manifest.json ({} when there is none)."""
        path = None if self.out is None else self.out / "manifest.json"
        if path is None or not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    @property
    def summary_input(self) -> dict[str, Any]:
        """The ``input`` part of summary.json: the row account."""
        assert self.out is not None
        summary = json.loads((self.out / "summary.json").read_text(encoding="utf-8"))
        return dict(summary["input"])


def run(
    inputs: Sequence[Path],
    out: Path,
    *,
    workers: int = 2,
    policy: str = "statute",
    encoding: str = "utf-8",
    as_of: str = AS_OF,
) -> RunResult:
    """``cmr-reason run INPUTS --out OUT --force -q --accept-rejects`` (``out`` is set when
    outputs were written). The harness damages many lines on purpose: the exit status 5 for
    many rejected rows would stop every run (docs/outputs.md "Rejected rows and Excel damage")."""
    args = [
        *command(),
        "run",
        *map(str, inputs),
        "--as-of",
        as_of,
        "--policy",
        policy,
        "--out",
        str(out),
        "--force",
        "-q",
        "--accept-rejects",
        "--workers",
        str(workers),
        "--encoding",
        encoding,
    ]
    start = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, errors="replace", check=False)
    seconds = time.monotonic() - start
    # Exit 3 (internal errors in the rules) still writes every output (docs/outputs.md).
    wrote = done.returncode in (0, 3) and (out / "manifest.json").exists()
    return RunResult(args, done.returncode, done.stderr, seconds, out if wrote else None)


def synth(path: Path, people: int, seed: int) -> None:
    """Write a clean synthetic DOJ file with ``cmr-reason synth``."""
    args = [
        *command(),
        "synth",
        "--people",
        str(people),
        "--seed",
        str(seed),
        "--out",
        str(path),
        "--force",
    ]
    subprocess.run(args, check=True, capture_output=True)


@dataclass
class Outputs:
    """One run's output, per person: a digest of everything written about them."""

    digests: dict[str, bytes] = field(default_factory=dict)
    convictions: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # kept ones


def outputs(
    out: Path,
    line_map: Callable[[int], int] | None = None,
    keep: Callable[[str], bool] = lambda _: False,
) -> Outputs:
    """Digest every person's rows in ``out``; keep the conviction rows of people ``keep`` names.

    ``line_map`` turns the run's input line numbers into the clean file's (a conviction whose
    first row is a line the mutator made maps to 0), in ``source_line`` and where an
    explanation names a rejected line; the input's path is left out of both.
    """
    remap = line_map or (lambda number: number)
    found: dict[str, Any] = {}
    result = Outputs()
    for name in ("convictions", "people", "cases"):
        path = out / f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                subject = row[SUBJECT]
                if name == "convictions":
                    if keep(subject):
                        result.convictions.setdefault(subject, []).append(row)
                    row = dict(row)
                    source = row.pop(SOURCE_FILE)
                    row[SOURCE_LINE] = str(remap(int(row[SOURCE_LINE])))
                    if source and f"{source}, line " in row[EXPLANATION]:
                        row[EXPLANATION] = _NAMED_LINE.sub(
                            lambda m: f"line {remap(int(m[1]))}",
                            row[EXPLANATION].replace(source, "IN"),
                        )
                digest = found.get(subject)
                if digest is None:
                    digest = found[subject] = hashlib.blake2b(digest_size=16)
                digest.update(name.encode())
                digest.update(json.dumps(list(row.values())).encode())
    result.digests = {subject: digest.digest() for subject, digest in found.items()}
    return result


def rejects(out: Path) -> list[dict[str, str]]:
    """The run's ``rejects.csv`` rows."""
    with (out / "rejects.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
