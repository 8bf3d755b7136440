"""Every reference in the code and docs resolves inside the repository (issue #17 item 4).

A person who clones the repository must be able to follow every reference. The check walks
the repository (no fixed list of files: modules move) and reads every ``.py``, ``.lp``,
``.md``, ``.toml``, ``.j2``, ``.html``, ``.txt``, ``.cfg`` and YAML file for

- project paths: ``docs/<name>.md``, ``programs/...``, ``tests/...`` (a glob must match
  something; a placeholder such as ``<policy>`` or ``{name}`` needs the folder before it);
- sections, in the one form ``docs/<name>.md "<Heading>"`` (the path may stand in
  backticks): a heading of that file that reads so, or begins so (case and Markdown marks
  ignored); the same with a comma before the quote, and ``docs/<name>.md#<anchor>``, are
  refused, so that there is one form to search for;
- bare file names ``<name>.md``: in the file's own folder, at the root or in ``docs/``;
- the team's research notes, which are not in the repository: any mention of them fails
  (the law is cited by statute and case, or by ``docs/law-notes.md``; the DOJ format by
  ``docs/doj-format.md``).

``docs/adding-rules.md`` "How to cite" documents the forms.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = {".py", ".lp", ".md", ".toml", ".j2", ".html", ".txt", ".cfg", ".yml", ".yaml"}
SKIP_DIRS = {"build", "dist", "out", "node_modules", "__pycache__"}

# The research notes the project was started from; they are not in the repository.
# (Written in pieces so that this file does not mention them itself.)
_NOTES = "|".join(("law", "design", "style", "remedies"))
# docs/remedies.md is the project's own (issue #20), not the note of the same name.
NOTES = re.compile(r"(?<![\w-])(?<!docs/)(?:" + _NOTES + r")\.md\b")
FORMAT_NOTE = re.compile(r"(?<![\w-])(?<!docs/)doj-format\.md\b")
PATH = re.compile(r"(?<![\w./-])(?:docs|programs|tests)/[\w./*?<>{}\[\]-]*")
SECTION = re.compile(r'(?<![\w./-])(docs/[\w-]+\.md)`?(,?) \\?"([^"\\]{1,150})\\?"')
ANCHOR = re.compile(r"(?<![\w./-])docs/[\w-]+\.md#[\w-]+")
BARE = re.compile(r"(?<![\w./-])(?:[a-z0-9][a-z0-9_-]*|[A-Z][A-Z0-9_-]*)\.md\b")
COMMENT_LEAD = re.compile(r"^\s*(?:%+|#+|//)?\s*")


@dataclass(frozen=True)
class Problem:
    """One reference that does not resolve."""

    file: str
    line: int
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text!r}: {self.why}"


def source_files(root: Path) -> list[Path]:
    """Every file of a checked kind in the repository, found by walking it."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not d.startswith("cmr-out")
        )
        found += [Path(folder, f) for f in sorted(files) if Path(f).suffix in SUFFIXES]
    return found


def flatten(text: str) -> tuple[str, list[int]]:
    """The text as one line (comment leaders dropped), and where each line starts in it.

    A reference broken over two comment lines (``% docs/x.md "Two\\n% words"``) reads whole.
    """
    starts: list[int] = []
    parts: list[str] = []
    at = 0
    for i, line in enumerate(text.splitlines()):
        piece = line if i == 0 else COMMENT_LEAD.sub("", line)
        starts.append(at)
        parts.append(piece)
        at += len(piece) + 1
    return " ".join(parts), starts


def normal(text: str) -> str:
    """Heading text for comparison: no Markdown marks, one space, lower case."""
    text = re.sub(r"[`*_]", "", text)
    return " ".join(text.split()).casefold().rstrip(".…").strip()


def headings(doc: Path) -> list[str]:
    """The Markdown headings of a file, outside fenced code blocks."""
    found: list[str] = []
    fenced = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)):
            found.append(normal(m.group(1)))
    return found


def path_problem(root: Path, ref: str) -> str | None:
    """Why a ``docs/``, ``programs/`` or ``tests/`` path does not resolve, or None."""
    ref = ref.rstrip(".,:;")
    cut = min((i for i, ch in enumerate(ref) if ch in "<{"), default=None)
    if cut is not None:
        folder = ref[:cut].rsplit("/", 1)[0]
        return None if (root / folder).is_dir() else f"no folder {folder}/"
    if any(ch in ref for ch in "*?["):
        return None if next(iter(root.glob(ref)), None) else "the pattern matches no file"
    return None if (root / ref).exists() else "no such file or folder"


def check_file(root: Path, file: Path, heading_cache: dict[Path, list[str]]) -> list[Problem]:
    """The unresolved references of one file."""
    rel = file.relative_to(root).as_posix()
    text, starts = flatten(file.read_text(encoding="utf-8", errors="replace"))
    in_docs = rel.startswith("docs/")
    problems: list[Problem] = []

    def report(pos: int, ref: str, why: str) -> None:
        line = bisect.bisect_right(starts, pos)
        problems.append(Problem(rel, line, ref, why))

    for m in NOTES.finditer(text):
        report(m.start(), m.group(), "a research note outside the repository: cite the "
               "statute or case, or docs/law-notes.md")  # fmt: skip
    if not in_docs:
        for m in FORMAT_NOTE.finditer(text):
            report(m.start(), m.group(), "write docs/doj-format.md")
    for m in PATH.finditer(text):
        if why := path_problem(root, m.group()):
            report(m.start(), m.group(), why)
    for m in ANCHOR.finditer(text):
        report(m.start(), m.group(), 'cite a section as docs/<name>.md "<Heading>"')
    for m in SECTION.finditer(text):
        doc, comma, wanted = root / m.group(1), m.group(2), normal(m.group(3))
        if comma:
            report(m.start(), m.group(), 'write docs/<name>.md "<Heading>", without the comma')
        if not doc.is_file():
            continue  # reported as a path
        if doc not in heading_cache:
            heading_cache[doc] = headings(doc)
        if not wanted or not any(h.startswith(wanted) for h in heading_cache[doc]):
            report(m.start(), m.group(), f"{m.group(1)} has no heading beginning so")
    for m in BARE.finditer(text):
        name = m.group()
        if NOTES.fullmatch(name) or (name == "doj-format.md" and not in_docs):
            continue  # reported above
        if not any((d / name).is_file() for d in (file.parent, root, root / "docs")):
            report(m.start(), name, "no such file here, at the root or in docs/")
    return problems


def check_tree(root: Path) -> list[Problem]:
    """The unresolved references of every checked file under ``root`` (this file aside)."""
    cache: dict[Path, list[str]] = {}
    files = [f for f in source_files(root) if f.resolve() != Path(__file__).resolve()]
    return [p for f in files for p in check_file(root, f, cache)]


def test_every_reference_resolves() -> None:
    problems = check_tree(ROOT)
    assert not problems, f"{len(problems)} unresolved reference(s):\n" + "\n".join(
        map(str, problems)
    )


def test_the_check_finds_each_kind_of_broken_reference(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "programs" / "core").mkdir(parents=True)
    (tmp_path / "tests" / "cases").mkdir(parents=True)
    (tmp_path / "docs" / "notes.md").write_text(
        "# Notes\n\n## Two priors (decided)\n\n```\n# not a heading\n```\n", encoding="utf-8"
    )
    (tmp_path / "programs" / "core" / "time.lp").write_text(
        '% docs/notes.md "Two priors"; docs/notes.md "two\n% priors (decided)"; '
        "programs/core/time.lp; programs/core/*.lp; tests/cases/<remedy>/x.lp\n",
        encoding="utf-8",
    )
    assert check_tree(tmp_path) == [], "valid references reported"
    notes = "|".join(("law", "design")).split("|")
    bad = (
        f"# {notes[0]}.md A.5 and {notes[1]}.md 3\n"
        "# doj-format.md\n"
        '# docs/notes.md "not a heading"\n'
        '# docs/notes.md, "Two priors"\n'
        "# docs/notes.md#two-priors\n"
        "# docs/missing.md programs/core/gone.lp programs/core/*.txt\n"
        "# missing-name.md\n"
    )
    (tmp_path / "tool.py").write_text(bad, encoding="utf-8")
    found = [(p.line, p.why.split(":")[0].split(" ")[0]) for p in check_tree(tmp_path)]
    assert sorted({line for line, _ in found}) == [1, 2, 3, 4, 5, 6, 7], found
    assert len([f for f in found if f[0] == 1]) == 2, found
    assert len([f for f in found if f[0] == 6]) == 3, found
