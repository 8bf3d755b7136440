"""No file of the project holds a merge's conflict markers (a merge left two in docs/).

Walks the project's own text files (not the virtual environment, caches or build output)
and fails on a line that is exactly a marker git writes: ``<<<<<<< ``, ``=======`` or
``>>>>>>> `` at the start of a line.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPS = ("facts", "reasoner", "cli", "programs", "tests", "docs", ".ci")
TOP_FILES = ("README.md", "pyproject.toml")
SUFFIXES = {".py", ".lp", ".md", ".json", ".toml", ".csv", ".txt", ".html", ".yml", ".yaml", ""}
MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)


def _text_files() -> list[Path]:
    found = [ROOT / name for name in TOP_FILES]
    for top in TOPS:
        for path in (ROOT / top).rglob("*"):
            parts = set(path.relative_to(ROOT).parts)
            if parts & {"__pycache__", ".venv", "node_modules"} or not path.is_file():
                continue
            if path.suffix in SUFFIXES and path.stat().st_size < 20_000_000:
                found.append(path)
    return found


def test_no_file_holds_conflict_markers() -> None:
    marked = []
    for path in _text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        match = MARKER.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            marked.append(f"{path.relative_to(ROOT)}:{line}")
    assert not marked, f"conflict markers left by a merge: {marked}"


def test_the_check_finds_a_marker() -> None:
    sample = "a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> branch\n"
    assert MARKER.search(sample) is not None
    assert MARKER.search("a\n======= not a marker\n# <<<<<<<x\n") is None
