"""The import graph of the installed package: its parts, their allowed directions, a diagram.

Every module of ``cmr_reason`` is parsed (``ast``, no import is run) and each of its imports
of the package is an edge, wherever it stands: at the top, inside a function or under
``TYPE_CHECKING``. A module belongs to the longest part of :data:`ALLOWED` its name starts
with; :func:`problems` names every module without a part, every import against the table and
every import cycle (``tests/test_import_graph.py`` fails on any). :func:`svg` draws the parts
with the direction data flows in (``docs/architecture.svg``, kept current by the same test)::

    python -m cmr_reason.cli.import_graph                             # the problems, if any
    python -m cmr_reason.cli.import_graph --svg docs/architecture.svg
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import pkgutil
import sys
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path

PACKAGE = "cmr_reason"
ROOTS = ("facts", "reasoner", "cli")

#: The parts a module of the package belongs to, each with what it holds (the diagram's text).
PARTS: dict[str, str] = {
    "facts": "the history model, dates, errors, owner-only files, hashes",
    "facts.doj": "DOJ bulk files: records, routing, streaming, ranges",
    "facts.lp_reader": "hand-written histories and test cases",
    "facts.history_reader": "the reader chosen by the file's suffix",
    "facts.synth": "synthetic DOJ files",
    "reasoner": "",
    "reasoner.engine": "programs, grounding and solving, decisions",
    "reasoner.explain": "justification trees and their renderings",
    "reasoner.run": "the bulk run, its folder, reopening a run",
    "reasoner.review": "reviewers' database, signed log, queue",
    "reasoner.filing": "the court filing",
    "reasoner.report.figures": "the report's numbers and labels",
    "reasoner.report.compare": "two runs side by side",
    "reasoner.report.suppression": "small-cell suppression and its audit",
    "reasoner.report": "the impact report",
    "cli": "consoles, shared options, input reading",
    "cli.workbench": "the reviewers' web app",
    "cli.commands": "one module a command",
    "cli.app": "the cmr-reason application",
    "cli.cli_doc": "docs/cli.md",
    "cli.import_graph": "this graph and its diagram",
}

_FACTS = frozenset({"facts", "facts.doj", "facts.lp_reader", "facts.history_reader"})
_ENGINE = _FACTS | {"reasoner.engine"}
_EXPLAIN = _ENGINE | {"reasoner.explain"}
_RUN = _EXPLAIN | {"reasoner.run"}
_FIGURES = _RUN | {"reasoner.report.figures"}
_REASONER = _RUN | {p for p in PARTS if p.startswith("reasoner.")} | {"facts.synth"}

#: The parts each part may import besides itself: ``cli -> reasoner -> facts``, and inside
#: the reasoner ``engine <- explain <- run <- {review, filing, report}``.
ALLOWED: dict[str, frozenset[str]] = {
    "facts": frozenset(),
    "facts.doj": frozenset({"facts"}),
    "facts.lp_reader": frozenset({"facts", "facts.doj"}),
    "facts.history_reader": frozenset({"facts", "facts.doj", "facts.lp_reader"}),
    "facts.synth": frozenset({"facts", "facts.doj"}),
    "reasoner": frozenset(),
    "reasoner.engine": _FACTS,
    "reasoner.explain": _ENGINE,
    "reasoner.run": _EXPLAIN,
    "reasoner.review": _RUN,
    "reasoner.filing": _RUN,
    "reasoner.report.figures": _RUN,
    "reasoner.report.compare": _FIGURES,
    "reasoner.report.suppression": _FIGURES | {"reasoner.report.compare"},
    "reasoner.report": _FIGURES | {"reasoner.report.compare", "reasoner.report.suppression"},
    "cli": _FACTS,
    "cli.workbench": _REASONER | {"cli"},
    "cli.commands": _REASONER | {"cli", "cli.workbench"},
    "cli.app": frozenset({"facts", "cli", "cli.commands"}),
    "cli.cli_doc": frozenset({"cli.app"}),
    "cli.import_graph": frozenset(),
}

Graph = dict[str, set[str]]


def module_files() -> dict[str, Path]:
    """Every module of the installed package (names without ``cmr_reason.``) and its file."""
    found: dict[str, Path] = {}
    for root in ROOTS:
        spec = importlib.util.find_spec(f"{PACKAGE}.{root}")
        if spec is None or spec.origin is None or not spec.submodule_search_locations:
            raise RuntimeError(f"{PACKAGE}.{root} is not installed")
        found[root] = Path(spec.origin)
        locations = list(spec.submodule_search_locations)
        for info in pkgutil.walk_packages(locations, prefix=f"{root}."):
            source = _source(info)
            if source is not None:
                found[info.name] = source
    return dict(sorted(found.items()))


def _source(info: pkgutil.ModuleInfo) -> Path | None:
    """A module's source file, also when it is compiled (facts/compiled.py); None: none."""
    folder = Path(getattr(info.module_finder, "path", ""))
    leaf = info.name.rsplit(".", 1)[-1]
    path = folder / leaf / "__init__.py" if info.ispkg else folder / f"{leaf}.py"
    return path if path.is_file() else None


def _imported(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """The names of what a module imports (packages and modules), relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = f"{PACKAGE}.{module}".split(".")
                parent = here if is_package else here[:-1]
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(files: Mapping[str, Path] | None = None) -> Graph:
    """Each module and the modules of the package it imports (itself left out)."""
    files = module_files() if files is None else files
    graph: Graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = _imported(tree, module, path.name == "__init__.py")
        local = {n.removeprefix(f"{PACKAGE}.") for n in names if n.startswith(f"{PACKAGE}.")}
        graph[module] = {n for n in local if n in files and n != module}
    return graph


def part_of(module: str) -> str | None:
    """The part a module belongs to: the longest name of :data:`ALLOWED` that starts it."""
    parts = [p for p in ALLOWED if module == p or module.startswith(f"{p}.")]
    return max(parts, key=len, default=None)


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import cycles: each strongly connected set of two or more modules, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan's algorithm, without recursion
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def problems(graph: Mapping[str, set[str]]) -> list[str]:
    """Modules without a part, imports against :data:`ALLOWED`, and import cycles."""
    found = []
    for module in sorted(graph):
        part = part_of(module)
        if part is None:
            found.append(f"{module}: in no part of the import table (add its folder)")
            continue
        for target in sorted(graph[module]):
            other = part_of(target)
            if other is not None and other != part and other not in ALLOWED[part]:
                found.append(f"{module} imports {target}: {part} may not import {other}")
    found += [f"import cycle: {' -> '.join(members)}" for members in cycles(graph)]
    return found


# --- the diagram ----------------------------------------------------------------------------
def part_graph(graph: Mapping[str, set[str]]) -> Graph:
    """Which parts import which (parts that import none and none imports left out)."""
    parts: Graph = {}
    for module, targets in graph.items():
        part = part_of(module)
        if part is None:
            continue
        edges = parts.setdefault(part, set())
        edges |= {p for p in map(part_of, targets) if p is not None and p != part}
    used = {q for edges in parts.values() for q in edges}
    return {
        p: {q for q in edges if q in parts}
        for p, edges in sorted(parts.items())
        if edges or p in used
    }


def _reduced(parts: Mapping[str, set[str]]) -> Graph:
    """The edges that no longer path implies (the transitive reduction of an acyclic graph)."""

    def reach(node: str) -> set[str]:
        seen: set[str] = set()
        todo = list(parts[node])
        while todo:
            item = todo.pop()
            if item not in seen:
                seen.add(item)
                todo.extend(parts[item])
        return seen

    return {
        p: {q for q in targets if not any(q in reach(r) for r in targets - {q})}
        for p, targets in parts.items()
    }


def _layers(parts: Mapping[str, set[str]]) -> list[list[str]]:
    """Rows of parts, bottom first: the facts, then the reasoner, then the command line.

    Inside each, a part stands one row above the highest part of its own folder it imports;
    each row is ordered by where the parts it imports stand (their mean place, ties by name).
    """
    depth: dict[str, int] = {}

    def level(part: str) -> int:
        if part not in depth:
            same = [q for q in parts[part] if q.split(".")[0] == part.split(".")[0]]
            depth[part] = 1 + max((level(q) for q in same), default=-1)
        return depth[part]

    rows: list[list[str]] = []
    for root in ROOTS:
        mine = sorted(p for p in parts if p.split(".")[0] == root)
        first = len(rows)
        rows += [[] for _ in range(1 + max(map(level, mine), default=-1))]
        for part in mine:
            rows[first + level(part)].append(part)
    place: dict[str, float] = {}
    for row in rows:  # each part under the parts it imports, on average (ties by name)
        for part in row:
            below = [place[q] for q in parts[part] if q in place]
            place[part] = sum(below) / len(below) if below else 0.0
        row.sort(key=lambda p: (place[p], p))
        for i, part in enumerate(row):
            place[part] = i - (len(row) - 1) / 2
    return rows


_FILL = {"facts": "#e8f1fa", "reasoner": "#eaf5ea", "cli": "#fbf0e4"}
_STROKE = {"facts": "#0072b2", "reasoner": "#009e73", "cli": "#d55e00"}
_CHAR = 6.6  # estimated width of a character at the diagram's text size, in pixels
_BOX_H, _ROW_H, _GAP, _MARGIN = 38, 72, 18, 20


def _folder(part: str, graph: Mapping[str, set[str]]) -> str:
    """How a part is written in the diagram: its folder, or its file."""
    path = part.replace(".", "/")
    return f"{path}/" if any(m.startswith(f"{part}.") for m in graph) else f"{path}.py"


def svg(graph: Mapping[str, set[str]]) -> str:
    """The parts as boxes in rows, an arrow from each part to the parts that use it.

    Arrows run the way data flows (from the DOJ file up to the commands); imports run
    against them. Only arrows no longer path implies are drawn.
    """
    parts = part_graph(graph)
    rows = _layers(parts)
    width_of = {
        p: round(max(len(_folder(p, graph)) + 2, len(PARTS[p])) * _CHAR + 16) for p in parts
    }
    row_widths = [sum(width_of[p] for p in row) + _GAP * (len(row) - 1) for row in rows]
    width = max(row_widths) + 2 * _MARGIN
    height = len(rows) * _ROW_H + 2 * _MARGIN + 38
    box: dict[str, tuple[float, float, float]] = {}  # part -> (x, y, width)
    for level, row in enumerate(rows):
        x = (width - row_widths[level]) / 2
        y = height - _MARGIN - 38 - (level + 1) * _ROW_H + (_ROW_H - _BOX_H) / 2
        for part in row:
            box[part] = (x, y, width_of[part])
            x += width_of[part] + _GAP
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="11">',
        "<title>cmr-reason: its parts and the direction data flows</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#555"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    for part, targets in sorted(_reduced(parts).items()):
        for source in sorted(targets):  # data flows from the imported part to the importer
            sx, sy, sw = box[source]
            tx, ty, tw = box[part]
            far = sy - ty > _ROW_H + 1  # past other rows: lighter, dashed, behind the boxes
            style = 'stroke="#9a9a9a" stroke-dasharray="4 3"' if far else 'stroke="#555"'
            out.append(
                f'<line x1="{sx + sw / 2:.1f}" y1="{sy:.1f}" x2="{tx + tw / 2:.1f}" '
                f'y2="{ty + _BOX_H:.1f}" {style} stroke-width="1" marker-end="url(#arrow)"/>'
            )
    for part in sorted(box):
        x, y, w = box[part]
        root = part.split(".")[0]
        out += [
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w}" height="{_BOX_H}" rx="5" '
            f'fill="{_FILL[root]}" stroke="{_STROKE[root]}"/>',
            f'<text x="{x + w / 2:.1f}" y="{y + 16:.1f}" text-anchor="middle" '
            f'font-weight="bold">{escape(_folder(part, graph))}</text>',
            f'<text x="{x + w / 2:.1f}" y="{y + 31:.1f}" text-anchor="middle" '
            f'fill="#333">{escape(PARTS[part])}</text>',
        ]
    out += [
        f'<text x="{_MARGIN}" y="{height - _MARGIN - 14:.0f}" fill="#333">An arrow runs from a '
        "part to the parts that use it (dashed: past other rows): data flows up, imports point "
        "down.</text>",
        f'<text x="{_MARGIN}" y="{height - _MARGIN:.0f}" fill="#333">Generated by python -m '
        "cmr_reason.cli.import_graph --svg docs/architecture.svg</text>",
        "</svg>",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the problems of the import graph (exit 1 if any), or write its diagram."""
    parser = argparse.ArgumentParser(prog="python -m cmr_reason.cli.import_graph")
    parser.add_argument("--svg", type=Path, help="write the diagram of the parts here")
    args = parser.parse_args(argv)
    graph = import_graph()
    if args.svg is not None:
        args.svg.write_text(svg(graph), encoding="utf-8")
        return 0
    found = problems(graph)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
