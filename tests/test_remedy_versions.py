"""Dated rule versions of the remedies: exactly one version of each rule on every as-of date.

The grid: every month from January 2019 to December 2027, and every version boundary and
the day before it (docs/remedies.md "Rules with dates"). A date where no version, or two,
hold is an error; the checker is shown to catch both.
"""

from __future__ import annotations

import datetime as dt

import clingo
import pytest

from cmr_reason.reasoner.engine.programs_dir import program_path

REMEDY_FILES = (("core", "remedy_outcomes.lp"), ("statutes", "pc1203_425.lp"))


def _versions_text() -> str:
    """The rule_version/4 facts of the remedy programs, and the rule selecting one."""
    lines = []
    for parts in REMEDY_FILES:
        for line in program_path(*parts).read_text(encoding="utf-8").splitlines():
            if line.startswith("rule_version("):
                lines.append(line)
    lines.append(
        "version_in_force(Rule, V) :- as_of(D), rule_version(Rule, V, From, Until), "
        "From <= D, D < Until."
    )
    return "\n".join(lines)


def _in_force(text: str, day: int) -> dict[str, list[str]]:
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], text + f"\nas_of({day}).\n#show version_in_force/2. #show rule_version/4.")
    ctl.ground([("base", [])])
    found: dict[str, list[str]] = {}
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                rule = sym.arguments[0].string
                found.setdefault(rule, [])
                if sym.name == "version_in_force":
                    found[rule].append(str(sym.arguments[1]))
    return found


def _grid(text: str) -> list[int]:
    days = {y * 10000 + m * 100 + 1 for y in range(2019, 2028) for m in range(1, 13)}
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], text + "\n#show rule_version/4.")
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                for arg in sym.arguments[2:]:
                    bound = arg.number
                    if 19000102 <= bound < 99991231:
                        when = dt.date(bound // 10000, bound // 100 % 100, bound % 100)
                        before = when - dt.timedelta(days=1)
                        days |= {bound, before.year * 10000 + before.month * 100 + before.day}
    return sorted(days)


def coverage_problems(text: str) -> list[str]:
    """Each as-of date of the grid where a rule has no version in force, or several."""
    problems = []
    for day in _grid(text):
        for rule, versions in sorted(_in_force(text, day).items()):
            if len(versions) != 1:
                problems.append(f"{day}: {rule} has {sorted(versions) or 'no version'}")
    return problems


def test_exactly_one_version_on_every_as_of_date() -> None:
    text = _versions_text()
    assert "pc1203_425.version.felony_clause" in text
    assert coverage_problems(text) == []


def test_the_grid_holds_each_boundary_and_the_day_before() -> None:
    days = _grid(_versions_text())
    for boundary in (20200101, 20210101, 20220701, 20230101, 20230701, 20240701):
        assert boundary in days
    assert 20220630 in days and 20240630 in days and 20191231 in days


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('rule_version("x.rule", a, 19000101, 20240101).', "20240101: x.rule has no version"),
        (
            'rule_version("x.rule", a, 19000101, 20240201). '
            'rule_version("x.rule", b, 20240101, 99991231).',
            "20240101: x.rule has ['a', 'b']",
        ),
    ],
)
def test_a_gap_or_an_overlap_is_caught(extra: str, expected: str) -> None:
    assert expected in coverage_problems(_versions_text() + "\n" + extra)


def test_the_programs_flag_a_gap_as_an_internal_error() -> None:
    """The run itself says so too (core/remedy_outcomes.lp), never silently."""
    ctl = clingo.Control(["--warn=none"])
    ctl.load(str(program_path("core", "remedy_outcomes.lp")))
    ctl.add(
        "base",
        [],
        'as_of(20250101). rule_version("x.rule", a, 19000101, 20240101).\n'
        'rule_version("y.rule", a, 19000101, 99991231).\n'
        'rule_version("y.rule", b, 20200101, 99991231).\n'
        "#show internal_error/2.",
    )
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        errors = {str(s) for m in handle for s in m.symbols(shown=True)}
    assert errors == {
        'internal_error("x.rule",no_version_in_force)',
        'internal_error("y.rule",two_versions_in_force)',
    }
