"""Locate the bundled clingo programs (``programs/``), in a source tree or a wheel."""

from __future__ import annotations

from pathlib import Path

PROGRAMS_DIR = Path(__file__).resolve().parents[2] / "programs"


def program_path(*parts: str) -> Path:
    """Path of a file under ``programs/``, e.g. ``program_path("tables", "cannabis.lp")``."""
    return PROGRAMS_DIR.joinpath(*parts)
