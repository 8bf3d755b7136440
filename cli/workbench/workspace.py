"""A workspace: the folder ``cmr-reason serve --workspace`` serves, with its runs.

::

    WORKSPACE/review.sqlite3   users and decisions (with review.key, review.secret)
    WORKSPACE/runs/NAME/       one normal run folder per run (what `cmr-reason run` writes)
    WORKSPACE/policies/NAME/   the policy parameter file of a run whose options were changed
    WORKSPACE/reports/NAME.html  the impact report of run NAME
    WORKSPACE/filings/NAME/    the court filing of run NAME

Each run folder is an ordinary run: ``cmr-reason report``, ``file``, ``serve RUN --db
WORKSPACE/review.sqlite3`` and ``run --force`` work on it as on any other. Reports and
filings live beside the runs, never in them (a run folder holds only what the run wrote).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from cmr_reason.cli.workbench.run_holder import RunHolder
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.run.contents import is_manifest

RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
RESERVED = {"new"}


def check_run_name(name: str) -> str:
    """``name`` if it can name a run folder, else a one-line error."""
    name = (name or "").strip()
    if not RUN_NAME.match(name) or name.lower() in RESERVED or name.endswith("."):
        raise UserError(
            "a run's name is 1 to 64 letters, digits, '.', '-' or '_', starting with a letter "
            "or digit (and not 'new')"
        )
    return name


class Workspace:
    """The folders of a workspace, and one :class:`RunHolder` per run the pages have opened."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()
        self._holders: dict[str, RunHolder] = {}
        self._lock = threading.Lock()

    @classmethod
    def prepare(cls, path: Path) -> Workspace:
        """The workspace in ``path``, its ``runs`` folder created (owner-only) when missing."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise UserError(f"not a folder: {path}")
        if path.is_dir() and (path / "manifest.json").exists():
            raise UserError(
                f"{path} is a run, not a workspace; serve it with `cmr-reason serve {path}`, "
                "or give --workspace a folder to hold runs"
            )
        (path / "runs").mkdir(mode=0o700, parents=True, exist_ok=True)
        return cls(path)

    @property
    def runs_dir(self) -> Path:
        """Where the run folders are."""
        return self.path / "runs"

    def run_path(self, name: str) -> Path:
        """The folder of run ``name`` (which may not exist yet)."""
        return self.runs_dir / check_run_name(name)

    def report_path(self, name: str) -> Path:
        """Where run ``name``'s impact report is written."""
        return self.path / "reports" / f"{check_run_name(name)}.html"

    def filing_path(self, name: str) -> Path:
        """Where run ``name``'s filing is written."""
        return self.path / "filings" / check_run_name(name)

    def params_path(self, name: str, policy: str) -> Path:
        """The parameter file of run ``name``'s changed policy options (``POLICY-custom.toml``)."""
        return self.path / "policies" / check_run_name(name) / f"{policy}-custom.toml"

    def run_names(self) -> list[str]:
        """The finished runs, by name (folders of ``runs`` holding a cmr-reason manifest)."""
        try:
            children = sorted(self.runs_dir.iterdir())
        except OSError:
            return []
        return [
            child.name
            for child in children
            if RUN_NAME.match(child.name)
            and child.is_dir()
            and is_manifest(child / "manifest.json")
        ]

    def is_run(self, name: str) -> bool:
        """True when ``name`` is a finished run of this workspace."""
        return bool(RUN_NAME.match(name)) and is_manifest(self.runs_dir / name / "manifest.json")

    def holder(self, name: str) -> RunHolder:
        """The holder of run ``name``, made on first use (a missing run is a LookupError)."""
        if not self.is_run(name):
            raise LookupError(name)
        with self._lock:
            holder = self._holders.get(name)
            if holder is None:
                holder = self._holders[name] = RunHolder(self.runs_dir / name)
            return holder
