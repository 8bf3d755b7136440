"""The bulk run's modules compiled by mypyc: used only when built from the sources on disk.

``setup.py`` compiles :data:`MODULES` (when it can: a C compiler, and no
``CMR_REASON_PURE_PYTHON``) and records each one's source SHA-256 in :data:`RECORD`, beside
the extensions. Importing this module (every package holding one of them imports it first)
checks that record against the ``.py`` files now on disk: when a source was edited since the
build, or the record is missing, the sources are imported instead of the compiled modules
(all of them: a compiled module calls the others' compiled code directly), with one warning.
No module here is compiled.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

#: Set (to anything but "" or "0") at install time: nothing is compiled; at run time: the
#: sources are imported even when compiled modules are there.
PURE_PYTHON = "CMR_REASON_PURE_PYTHON"
#: The compiled modules; every other module of the package stays Python.
MODULES = (
    "cmr_reason.facts.dates",
    "cmr_reason.facts.fact_writer",
    "cmr_reason.facts.lean_person",
    "cmr_reason.facts.charge_normaliser",
    "cmr_reason.facts.doj.lines",
    "cmr_reason.facts.doj.rows",
    "cmr_reason.facts.doj.reader",
    "cmr_reason.facts.doj.direct",
    "cmr_reason.reasoner.engine.decision",
    "cmr_reason.reasoner.engine.fact_loader",
    "cmr_reason.reasoner.engine.solver",
    "cmr_reason.reasoner.explain.justification",
    "cmr_reason.reasoner.run.rows",
    "cmr_reason.reasoner.run.impact_summary",
    "cmr_reason.reasoner.run.batch_worker",
)
#: mypyc's group of them: its library, ``GROUP + "__mypyc"``, holds the compiled code of every
#: module; each module's own extension is a small shim that loads it.
GROUP = "cmr_reason.facts.mypyc_group"
_LIBRARY = GROUP + "__mypyc"
#: The build's record, beside this module: ``{module: sha256 of the source it was built from}``.
RECORD = "compiled_sources.json"
REINSTALL = "pip install -e '.[dev]'"

_ROOT = Path(__file__).resolve().parent.parent  # holds facts/ and reasoner/ (cmr_reason/)


def source_path(module: str, root: Path = _ROOT) -> Path:
    """Where the ``.py`` file of a module of the package is (or would be)."""
    return root.joinpath(*module.split(".")[1:]).with_suffix(".py")


def source_sha256(path: Path) -> str:
    """The SHA-256 of a source file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _extension(module: str, root: Path) -> Path | None:
    """The compiled extension of a module, if there is one beside its source."""
    base = source_path(module, root).with_suffix("")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        found = base.with_name(base.name + suffix)
        if found.is_file():
            return found
    return None


def check(root: Path = _ROOT) -> str:
    """The state of the compiled modules under ``root``.

    ``"none"``: no compiled module (a pure-Python install); ``"pure"``: there are some, but
    :data:`PURE_PYTHON` is set; ``"stale"``: there are some, but not built from the sources on
    disk (a source edited, or a module, the group or the record missing); ``"compiled"``:
    every one of :data:`MODULES` compiled from its source as it is now.
    """
    built = [_extension(module, root) for module in MODULES]
    if not any(built) and _extension(_LIBRARY, root) is None:
        return "none"
    if os.environ.get(PURE_PYTHON, "") not in ("", "0"):
        return "pure"
    try:
        record = json.loads((root / "facts" / RECORD).read_text(encoding="utf-8"))
        same = all(
            record.get(module) == source_sha256(source_path(module, root)) for module in MODULES
        )
    except (OSError, ValueError, AttributeError):
        return "stale"
    if not same or not all(built) or _extension(_LIBRARY, root) is None:
        return "stale"
    return "compiled"


class _Sources(importlib.abc.MetaPathFinder):
    """Finds :data:`MODULES` as their ``.py`` sources, before the path finder's extensions."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """A source-file spec for a module of :data:`MODULES`; None for any other."""
        if fullname not in MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, source_path(fullname, self.root))


def _guard() -> str:
    state = check()
    if state in ("pure", "stale"):
        sys.meta_path.insert(0, _Sources(_ROOT))
    if state == "stale":
        sys.stderr.write(
            "cmr-reason: warning: the compiled modules were built from other sources than "
            "the ones installed now; running the Python sources instead (slower). To compile "
            f"them again, reinstall: {REINSTALL}\n"
        )
    return state


#: What the package runs: ``"compiled"`` when the compiled modules are in use.
STATE = _guard()
