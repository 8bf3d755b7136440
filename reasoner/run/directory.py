"""Open a finished run's directory: its files, and the inputs and decisions behind them.

Commands that work after a run (``file``, ``report``, ``serve``) read the output files here.
When they need more than the files hold (names, case numbers, a justification tree), they
re-read the input files named in the manifest, after checking their SHA-256, and re-decide
with the recorded policy and as-of date; the rules' hash must match too, so what they show is
what the run decided.

The workbench asks for one person's history at a time. For a DOJ input it builds (once) a
subject index in the run directory (:mod:`cmr_reason.reasoner.run.subject_index`) and then reads
only that person's rows; hand-written ``.lp`` inputs are small and held in memory.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cmr_reason.facts.doj.excel_damage import ExcelRepair
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import sha256_of, sha256_text
from cmr_reason.facts.history import History
from cmr_reason.facts.history_reader import input_kind, read_histories, stream_histories
from cmr_reason.reasoner.engine.catalogue import Catalogue, load_catalogue
from cmr_reason.reasoner.engine.decision import Decision
from cmr_reason.reasoner.engine.program_set import ProgramSet, load_program_set
from cmr_reason.reasoner.engine.remedies import manifest_remedies
from cmr_reason.reasoner.engine.solver import SolveResult, decide
from cmr_reason.reasoner.explain.justification import build_tree
from cmr_reason.reasoner.run.contents import FACTS_FILE, RUN, is_manifest
from cmr_reason.reasoner.run.input_check import recorded_repairs
from cmr_reason.reasoner.run.inputs import locate_input, shown_path
from cmr_reason.reasoner.run.replace_dir import recover, sweep
from cmr_reason.reasoner.run.subject_index import (
    INDEX_FILE,
    SubjectIndex,
    build_index,
    index_key,
    open_index,
)

REQUIRED = ("convictions.csv", "people.csv", "cases.csv", "summary.json", "manifest.json")
ENCODING = "utf-8"  # what the inputs of a run that recorded no encoding are re-read as

#: What tells whether an input file changed since its SHA-256 was checked.
Stamp = tuple[tuple[int, int, int], ...]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class RunDir:
    """A run's output directory."""

    path: Path
    manifest: dict[str, Any] = field(repr=False)
    summary: dict[str, Any] = field(repr=False)
    _index: SubjectIndex | None = field(default=None, init=False, repr=False)
    _index_stamp: Stamp = field(default=(), init=False, repr=False)

    @cached_property
    def convictions(self) -> list[dict[str, str]]:
        """Rows of ``convictions.csv``."""
        return _read_csv(self.path / "convictions.csv")

    @cached_property
    def people(self) -> list[dict[str, str]]:
        """Rows of ``people.csv``."""
        return _read_csv(self.path / "people.csv")

    @cached_property
    def cases(self) -> list[dict[str, str]]:
        """Rows of ``cases.csv``."""
        return _read_csv(self.path / "cases.csv")

    @cached_property
    def rejects(self) -> list[dict[str, str]]:
        """Rows of ``rejects.csv``."""
        return _read_csv(self.path / "rejects.csv")

    @property
    def as_of(self) -> dt.date:
        """The run's as-of date."""
        return dt.date.fromisoformat(self.manifest["as_of"])

    @property
    def county(self) -> str | None:
        """The run's county scope, if any."""
        return self.manifest.get("county") or None

    @cached_property
    def programs(self) -> ProgramSet:
        """The rule programs of the run's policy; their hash must equal the recorded one."""
        policy = self.manifest["policy"]
        name = policy["name"]
        # A policy file by its absolute path (recorded since runs are reopened from anywhere).
        programs = load_program_set(
            policy.get("path") or policy.get("argument") or name, manifest_remedies(self.manifest)
        )
        if programs.sha256 != self.manifest["rules_sha256"]:
            raise UserError(
                f"the rules have changed since the run in {self.path} "
                f"(policy {name}); re-run it to work from the current rules"
            )
        return programs

    @cached_property
    def catalogue(self) -> Catalogue:
        """The rule catalogue of the run's programs."""
        return load_catalogue(self.programs)

    @property
    def encoding(self) -> str:
        """The text encoding the run read its DOJ inputs in (utf-8 for older runs)."""
        return str(self.manifest.get("encoding") or ENCODING)

    @cached_property
    def repairs(self) -> list[ExcelRepair | None] | None:
        """The Excel repairs the run applied to its inputs (``run --repair-excel``), if any."""
        return recorded_repairs(self.manifest)

    def input_paths(self) -> list[Path]:
        """The input files, after checking each still has the recorded SHA-256.

        Found from any directory (:func:`~cmr_reason.reasoner.run.inputs.locate_input`).
        """
        paths = []
        for entry in self.manifest["inputs"]:
            path = locate_input(self.path, entry)
            if path is None:
                raise UserError(f"input file of the run is missing: {shown_path(entry)}")
            if sha256_of(path) != entry["sha256"]:
                raise UserError(f"input file {path} changed since the run (SHA-256 differs)")
            paths.append(path)
        return paths

    @cached_property
    def _read(self) -> Any:
        return read_histories(self.input_paths(), self.encoding, repairs=self.repairs)

    def load_input(self) -> None:
        """Hold the whole input in memory, for many :meth:`history` calls (small inputs)."""
        _ = self._read

    def index_input(self) -> None:
        """Make :meth:`history` quick for many calls, in bounded memory (the workbench).

        A DOJ input gets its subject index, built on first use (one pass over the input)
        and reused while the manifest's inputs are unchanged; other inputs are held in memory.
        """
        if self._input_kind() != "doj":
            self.load_input()
            return
        paths = self.input_paths()
        key = index_key(self.manifest["inputs"], self.encoding, self.repairs)
        index = open_index(self.path, paths, key, self.encoding, self.repairs)
        if index is None:
            index = build_index(self.path, paths, key, self.encoding, self.repairs)
        self._index, self._index_stamp = index, _stamp(paths)

    def _input_kind(self) -> str:
        return input_kind([entry["path"] for entry in self.manifest["inputs"]])

    def _indexed(self) -> SubjectIndex | None:
        """The subject index, if the run has one for its current inputs (checked)."""
        if self._index is None:
            if not (self.path / INDEX_FILE).is_file() or self._input_kind() != "doj":
                return None
            paths = self.input_paths()
            key = index_key(self.manifest["inputs"], self.encoding, self.repairs)
            self._index = open_index(self.path, paths, key, self.encoding, self.repairs)
            self._index_stamp = _stamp(paths)
        elif _stamp(self._index.inputs) != self._index_stamp:
            # Hashing a large input costs seconds: done again only when a file was touched.
            self._index_stamp = _stamp(self.input_paths())
        return self._index

    def histories(self) -> Iterator[History]:
        """Every history of the run's input, in subject order (streamed unless loaded)."""
        if "_read" in self.__dict__:
            return iter(self._read)
        return stream_histories(self.input_paths(), self.encoding, repairs=self.repairs)

    def history(self, subject_id: str) -> History | None:
        """One person's history, or None.

        From memory when loaded, from the subject index when the run has one, else by one
        pass over the input.
        """
        if "_read" in self.__dict__:
            return self._read.history(subject_id)
        index = self._indexed()
        if index is not None:
            return index.history(subject_id)
        only = [subject_id]
        read = read_histories(self.input_paths(), self.encoding, only=only, repairs=self.repairs)
        return read.history(subject_id)

    @cached_property
    def decision_facts(self) -> str:
        """The reviewers' decisions the run applied (``run --decisions``), as facts."""
        return run_facts(self.path, self.manifest)

    def decide(self, histories: Iterable[History]) -> SolveResult:
        """Re-decide some people exactly as the run did (with the decisions it applied)."""
        return decide(list(histories), self.programs, self.as_of, self.county, self.decision_facts)

    def decisions_of(self, subject_id: str) -> tuple[History, dict[str, Decision]]:
        """One person's history and decisions."""
        history, solved = self.solved_of(subject_id)
        return history, solved.decisions

    def solved_of(self, subject_id: str) -> tuple[History, SolveResult]:
        """One person's history and the whole re-decision (the remedies' decisions too)."""
        history = self.history(subject_id)
        if history is None:
            raise UserError(f"no person {subject_id!r} in this run")
        return history, self.decide([history])

    def explain(self, subject_id: str) -> list[dict[str, Any]]:
        """The justification trees of one person's convictions, in date order."""
        history, decisions = self.decisions_of(subject_id)
        return [
            build_tree(decisions[c.conviction_id], self.catalogue, history)
            for c in history.convictions
        ]


def _stamp(paths: Iterable[Path]) -> Stamp:
    """Size, modification time and inode of each file (a missing file stamps as zeros)."""
    stamps = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            stamps.append((0, 0, 0))
        else:
            stamps.append((stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return tuple(stamps)


def open_run(path: Path | str) -> RunDir:
    """Open a run directory, or explain in one line why it is not one.

    A replacement of the run that a crash interrupted is finished first, and temporary files
    of killed runs and cache builds are removed (docs/outputs.md "Replacing a run").
    """
    path = Path(path)
    try:
        recover(path, RUN)
    except OSError as exc:
        raise UserError(f"cannot finish an interrupted replacement of {path}: {exc}") from None
    with contextlib.suppress(OSError):  # leftovers only: a read-only run still opens
        sweep(path, RUN)
    if not path.is_dir():
        raise UserError(f"not a run directory: {path}")
    if not (path / "manifest.json").is_file():
        raise UserError(
            f"{path} is not a cmr-reason run (it has no manifest.json): give the folder that "
            "`cmr-reason run --out` wrote"
        )
    if not is_manifest(path / "manifest.json"):
        raise UserError(f"{path} is not a cmr-reason run (its manifest.json is not a run's)")
    missing = [name for name in REQUIRED if not (path / name).is_file()]
    if missing:
        raise UserError(f"{path} is not a complete run (missing {', '.join(missing)})")
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read the run in {path}: {exc}") from None
    return RunDir(path=path, manifest=manifest, summary=summary)


def run_facts(run_dir: Path, manifest: dict[str, Any]) -> str:
    """The decision facts a finished run applied ("" when it applied none), hash-checked."""
    entry = manifest.get("decisions")
    if not entry:
        return ""
    path = Path(run_dir) / entry.get("file", FACTS_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise UserError(f"the run's decisions file is missing: {path}") from None
    if sha256_text(text) != entry.get("file_sha256"):
        raise UserError(f"{path} changed since the run (SHA-256 differs)")
    return text
