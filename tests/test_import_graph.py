"""The package's imports run one way, with no cycle; docs/architecture.svg is current (#17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmr_reason.cli.import_graph import ALLOWED, PARTS, import_graph, part_of, problems, svg

DIAGRAM = Path(__file__).resolve().parent.parent / "docs" / "architecture.svg"


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_no_cycle_and_no_import_against_the_direction(graph):
    assert problems(graph) == []


def test_every_part_of_the_table_holds_modules_and_says_what(graph):
    assert set(PARTS) == set(ALLOWED)
    used = {part_of(module) for module in graph}
    assert set(ALLOWED) - used == set()
    assert len(graph) > 120  # every module of facts/, reasoner/ and cli/ was read


def test_imports_inside_functions_count(graph):
    # ``serve`` imports the web app only when it runs (Flask is an optional dependency).
    assert "cli.workbench.app" in graph["cli.commands.review"]


def _fake(tmp_path: Path, modules: dict[str, str]) -> dict[str, Path]:
    files = {}
    for name, text in modules.items():
        path = tmp_path / f"{name.replace('.', '_')}.py"
        path.write_text(text, encoding="utf-8")
        files[name] = path
    return files


def test_a_cycle_through_a_function_or_type_checking_import_is_found(tmp_path):
    files = _fake(
        tmp_path,
        {
            "facts.doj.a": "def f():\n    from cmr_reason.facts.doj.b import g\n",
            "facts.doj.b": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from cmr_reason.facts.doj import a\n"
            ),
            "facts.doj.c": "from . import a\n",  # relative: resolved in its package
        },
    )
    graph = import_graph(files)
    assert graph == {
        "facts.doj.a": {"facts.doj.b"},
        "facts.doj.b": {"facts.doj.a"},
        "facts.doj.c": {"facts.doj.a"},
    }
    assert problems(graph) == ["import cycle: facts.doj.a -> facts.doj.b"]


def test_an_import_against_the_direction_and_a_module_without_part_are_named():
    graph = {
        "reasoner.run.contents": {"reasoner.review.db", "reasoner.engine.solver"},
        "reasoner.review.db": {"reasoner.run.contents"},
        "reasoner.engine.solver": {"facts.history"},
        "facts.history": set(),
        "facts.doj.reader": {"facts.synth.generator"},
        "facts.synth.generator": set(),
        "cli.commands.run": {"cli.app"},
        "cli.app": set(),
        "elsewhere.tool": set(),
    }
    assert problems(graph) == [
        "cli.commands.run imports cli.app: cli.commands may not import cli.app",
        "elsewhere.tool: in no part of the import table (add its folder)",
        "facts.doj.reader imports facts.synth.generator: facts.doj may not import facts.synth",
        "reasoner.run.contents imports reasoner.review.db: reasoner.run may not import "
        "reasoner.review",
        "import cycle: reasoner.review.db -> reasoner.run.contents",
    ]


def test_architecture_svg_is_current(graph):
    assert DIAGRAM.read_text(encoding="utf-8") == svg(graph), (
        "docs/architecture.svg is stale: run "
        "`python -m cmr_reason.cli.import_graph --svg docs/architecture.svg`"
    )
