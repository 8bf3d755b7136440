"""Complementary suppression in the impact report: no hidden count can be worked out.

A reader of the page plays the attacker here: the tests parse the rendered HTML, write down
every additive relation a reader can see between the numbers shown (a row and its total,
a column and the outcome table, the headline figures, the comparison's differences), and
work out whatever subtraction gives away. Nothing hidden may come out. The relations are
the test's own reading of the page, not the code's list; the true numbers come from the
same report rendered without suppression.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.reasoner.report import writer as report_writer
from cmr_reason.reasoner.report.suppression.complementary import hidden_counts
from cmr_reason.reasoner.report.suppression.groups import PageFigures, page_figures
from cmr_reason.reasoner.report.writer import ReportOptions, render_report
from cmr_reason.reasoner.run.directory import open_run

AS_OF = "2020-07-01"
HIDDEN = "suppressed"
Cell = tuple[str, str, str]  # table caption, row, column


# --- Synthetic runs ---------------------------------------------------------------------


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """60 invented people: small groups everywhere (5 women, 1 Asian person, 2 infractions)."""
    base = tmp_path_factory.mktemp("suppression")
    doj = base / "synthetic.csv"
    _invoke("synth", "--people", "60", "--seed", "7", "--malformed-rate", "0.02", "--out", str(doj))
    out = {}
    for name, policy in (("statute", "statute"), ("la", "los-angeles-2020")):
        out[name] = base / name
        _invoke(
            "run", str(doj), "--as-of", AS_OF, "--policy", policy, "--out", str(out[name]), "-q"
        )
    return out


def _html(runs: dict[str, Path], name: str, below: int, compare: str | None = None) -> str:
    other = open_run(runs[compare]) if compare else None
    return render_report(open_run(runs[name]), ReportOptions(suppress_below=below, compare=other))


# --- Reading the page ---------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table of the page: caption -> row id -> column -> cell text; and the charts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, dict[str, str]]] = {}
        self.columns: dict[str, list[str]] = {}
        self.bars: list[tuple[str, str, float]] = []  # chart title, bar title, width
        self.cards: list[str] = []
        self._caption = ""
        self._text: list[str] | None = None
        self._row: list[tuple[str, bool]] = []
        self._cell_is_num = False
        self._chart = ""
        self._rect_width: float | None = None
        self._in_card = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("caption", "th", "td", "title"):
            self._text = []
            self._cell_is_num = tag == "td" and "num" in (a.get("class") or "")
        if tag == "tr":
            self._row = []
        if tag == "rect" and "width" in a:
            self._rect_width = float(a["width"] or 0)
        if tag == "li" and a.get("class") == "card":
            self._in_card, self._text = True, []

    def handle_endtag(self, tag: str) -> None:
        text = unescape("".join(self._text or [])).strip()
        if tag == "caption":
            self._caption = text
            self.tables[text] = {}
        elif tag in ("th", "td"):
            self._row.append((text, self._cell_is_num or tag == "th"))
        elif tag == "tr" and self._row:
            self._end_row()
        elif tag == "title":
            if self._rect_width is not None:
                self.bars.append((self._chart, text, self._rect_width))
            else:
                self._chart = text
        elif tag == "rect":
            self._rect_width = None
        elif tag == "li" and self._in_card:
            self.cards.append(" ".join(text.split()))
            self._in_card = False
        if tag in ("caption", "th", "td", "title"):
            self._text = None if not self._in_card else self._text

    def _end_row(self) -> None:
        texts = [t for t, _ in self._row]
        if self._caption not in self.columns:
            self.columns[self._caption] = texts
            return
        columns = self.columns[self._caption]
        if len(texts) != len(columns):
            return  # "None" rows of empty tables
        numbers = len(columns) - sum(1 for _, num in self._row[1:] if not num) - 1
        first = len(columns) - numbers
        row = " | ".join(texts[:first])
        self.tables[self._caption][row] = dict(zip(columns[first:], texts[first:], strict=True))

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def _parse(html: str) -> _Tables:
    page = _Tables()
    page.feed(html)
    return page


def _number(text: str) -> int | None:
    """A count's value; None when hidden. Percentages and blanks are not counts."""
    if text == HIDDEN:
        return None
    text = text.replace("\u2212", "-").replace("+", "").replace(",", "")
    return int(text)


def _count_cells(page: _Tables) -> dict[Cell, str]:
    """Every count cell of the page (percent columns left out)."""
    cells = {}
    for caption, rows in page.tables.items():
        for row, columns in rows.items():
            for column, text in columns.items():
                if "%" in column or column.startswith("Share") or column == "SHA-256":
                    continue
                if text == "" or text.endswith("%"):
                    continue
                cells[(caption, row, column)] = text
    return cells


# --- The reader's relations -----------------------------------------------------------------

Relation = dict[Cell, int]  # coefficients summing to 0


def _find(cells: dict[Cell, str], caption: str) -> str:
    found = [c for c in {c for c, _, _ in cells} if c.startswith(caption)]
    assert len(found) <= 1, found
    return found[0] if found else caption


def _column(cells: dict[Cell, str], caption: str, column: str) -> list[Cell]:
    return [c for c in cells if c[0] == caption and c[2] == column]


def _sum(total: Cell, parts: list[Cell]) -> Relation:
    relation: Relation = {total: 1}
    for part in parts:
        relation[part] = relation.get(part, 0) - 1
    return relation


def _relations(cells: dict[Cell, str]) -> Iterator[Relation]:
    """Every additive relation a reader can see on the page (true or not in this run)."""
    outcome, figures, people = "Convictions by outcome", "Conviction figures", "People"
    policy_col = next(c for _, _, c in cells if c.startswith("Convictions (")) if cells else ""
    statute_col = "Under HS 11361.8 alone"

    def fig(row: str, caption: str = figures, column: str = "Convictions") -> Cell:
        return (caption, row, column)

    def out(row: str, column: str = policy_col) -> Cell:
        return (outcome, row, column)

    total = fig("Convictions in the input")
    cannabis = fig("Cannabis-related convictions")
    relieved = fig("Relieved: dismissed, redesignated or resentenced")
    for column in (policy_col, statute_col):
        yield _sum(total, _column(cells, outcome, column))
    redesignated = "Redesignated (felony to misdemeanor or infraction, or lower)"
    yield _sum(relieved, [fig("Dismissed and sealed"), fig(redesignated), fig("Resentenced")])
    redesignations = [out("Redesignated as a misdemeanor"), out("Redesignated as an infraction")]
    yield _sum(fig(redesignated), redesignations)
    for figure, row in (("Dismissed and sealed", "Dismissed and sealed"),
                        ("Resentenced", "Recalled and resentenced"),
                        ("Needs human review", "Needs human review"),
                        ("Not eligible", "Not eligible")):  # fmt: skip
        yield _sum(fig(figure), [out(row)])
    # Policy and statute columns: the same figure for a statute run.
    for caption, row, column in [c for c in cells if c[0] == outcome and c[2] == policy_col]:
        yield _sum((caption, row, column), [(caption, row, statute_col)])

    # The stacked tables: rows and their totals, columns and the outcome table.
    relieved_by_level = "Relieved convictions by level, by kind of relief"
    stacked = [
        c for c in {c for c, _, _ in cells} if c.startswith("Cannabis-related convictions by")
    ]
    for caption in [*stacked, relieved_by_level]:
        rows = {r for c, r, _ in cells if c == caption}
        for row in rows:
            parts = [c for c in cells if c[0] == caption and c[1] == row and c[2] != "Total"]
            yield _sum((caption, row, "Total"), parts)
        yield _sum(relieved if caption == relieved_by_level else cannabis,
                   _column(cells, caption, "Total"))  # fmt: skip
    level_table = _find(cells, "Cannabis-related convictions by level")
    for caption, row, column in [c for c in cells if c[0] == relieved_by_level]:
        if column != "Total":
            yield _sum((caption, row, column), [(level_table, row, column)])
    columns = {c for caption in stacked for _, _, c in _column_names(cells, caption)} - {"Total"}
    for column in columns:
        first = _column(cells, stacked[0], column)
        for caption in stacked[1:]:
            relation = _sum(first[0], first[1:])
            for cell in _column(cells, caption, column):
                relation[cell] = relation.get(cell, 0) + 1
            yield relation  # equal column sums in the level, decade and section tables
        if column == "Not covered by HS 11361.8":  # non-cannabis convictions are not covered
            relation = _sum(out(column), first)
            relation.update({total: -1, cannabis: 1})
            yield relation
        else:
            yield _sum(out(column), first)
    for row, level in (("Dismissed felonies", "Felonies"),
                       ("Dismissed misdemeanors", "Misdemeanors"),
                       ("Dismissed infractions", "Infractions")):  # fmt: skip
        yield _sum(fig(row), [(relieved_by_level, level, "Dismissed and sealed")])

    # People by race and gender.
    for caption in (c for c in {c for c, _, _ in cells} if c.startswith("Share of people")):
        yield _sum(fig("People in the input", people, "People"), _column(cells, caption, "People"))
        yield _sum(fig("Relieved (at least one conviction)", people, "People"),
                   _column(cells, caption, "People relieved"))  # fmt: skip

    # Reasons: each outcome's reasons add up to it, under the policy and the statute.
    every = "Every conviction by outcome and reason"
    outcomes = {r.split(" | ")[1] for c, r, _ in cells if c == every}
    for name in outcomes:
        for column in (policy_col, statute_col):
            parts = [c for c in _column(cells, every, column) if c[1].endswith(f" | {name}")]
            yield _sum(out(name, column), parts)
        for cell in [c for c in _column(cells, every, policy_col) if c[1].endswith(f" | {name}")]:
            yield _sum(cell, [(every, cell[1], statute_col)])
            reason = cell[1].split(" | ")[0]
            yield _sum(cell, [(f"{name}: convictions by reason", reason, "Convictions")])

    # Input rows.
    rows_table = "Input rows"
    read = (rows_table, "Read", "Rows")
    yield _sum(read, [(rows_table, r, "Rows") for r in ("Used", "Judged irrelevant", "Rejected")])
    for row, caption in (("Used", "Rows used, by kind"),
                         ("Judged irrelevant", "Rows judged irrelevant, by kind"),
                         ("Rejected", "Rows rejected, by reason (see rejects.csv)")):  # fmt: skip
        yield _sum((rows_table, row, "Rows"), _column(cells, caption, "Rows"))
    yield _sum(read, _column(cells, "Input files", "Rows"))
    yield _sum(total, [("Rows used, by kind", "conviction", "Rows")])
    yield _sum(fig("Deceased (per the record)", people, "People"),
               [("Rows used, by kind", "death", "Rows")])  # fmt: skip

    # The comparison: the other run is this run plus the difference; its own sums; and
    # the figures this run shows elsewhere.
    compare = next((c for c, _, _ in cells if c.startswith("Figures under ")), None)
    if compare is None:
        return
    names = [c for c in _column_names(cells, compare)]
    a, b, diff = names[0][2], names[1][2], names[2][2]

    def other(row: str) -> Cell:
        return (compare, row, b)

    for row in {r for c, r, _ in cells if c == compare}:
        yield _sum(other(row), [(compare, row, a), (compare, row, diff)])
    yield _sum(other("Convictions relieved"), [other("Convictions dismissed and sealed"),
               other("Convictions redesignated"), other("Convictions resentenced")])  # fmt: skip
    yield _sum(other("Convictions dismissed and sealed"), [other("Felonies dismissed"),
               other("Misdemeanors dismissed"), other("Infractions dismissed")])  # fmt: skip
    yield _sum(cannabis, [other("Convictions relieved"), other("Convictions needing review"),
                          other("Convictions not eligible")])  # fmt: skip
    statute = {"Convictions dismissed and sealed": ["Dismissed and sealed"],
               "Convictions redesignated": ["Redesignated as a misdemeanor",
                                            "Redesignated as an infraction"],
               "Convictions resentenced": ["Recalled and resentenced"],
               "Convictions needing review": ["Needs human review"],
               "Convictions not eligible": ["Not eligible"]}  # fmt: skip
    statute["Convictions relieved"] = [r for k in list(statute)[:3] for r in statute[k]]
    for row, parts in statute.items():
        yield _sum(other(row), [out(p, statute_col) for p in parts])
    same = {
        "People relieved": fig("Relieved (at least one conviction)", people, "People"),
        "People left with no felony": fig("Relieved and left with no felony", people, "People"),
        "People left with no conviction": fig("Relieved and left with no conviction", people,
                                              "People"),
        "People who had a felony and are left with none": fig(
            "Relieved, had a felony, left with none", people, "People"),
        "Convictions relieved": relieved,
        "Convictions dismissed and sealed": fig("Dismissed and sealed"),
        "Felonies dismissed": fig("Dismissed felonies"),
        "Misdemeanors dismissed": fig("Dismissed misdemeanors"),
        "Infractions dismissed": fig("Dismissed infractions"),
        "Convictions redesignated": fig(redesignated),
        "Convictions resentenced": fig("Resentenced"),
        "Convictions needing review": fig("Needs human review"),
        "Convictions not eligible": fig("Not eligible"),
    }  # fmt: skip
    for row, cell in same.items():
        yield _sum((compare, row, a), [cell])


def _column_names(cells: dict[Cell, str], caption: str) -> list[Cell]:
    """One cell per column of a table, in order."""
    seen: dict[str, Cell] = {}
    for cell in cells:
        if cell[0] == caption and cell[2] not in seen:
            seen[cell[2]] = cell
    return list(seen.values())


def _true_relations(shown: dict[Cell, str], truth: dict[Cell, str]) -> list[Relation]:
    """The relations that hold in this run, over cells the page has."""
    found = []
    for relation in _relations(shown):
        # A row or column the page leaves out is a zero.
        relation = {c: k for c, k in relation.items() if k and c in truth}
        if relation and sum(k * _number(truth[c]) for c, k in relation.items()) == 0:
            found.append(relation)
    return found


def _work_out(shown: dict[Cell, str], relations: list[Relation]) -> dict[Cell, Fraction]:
    """What subtraction gives away: a relation with one unknown left, solved for it; or
    unknowns that must all be 1 (zeros are shown, so a hidden count is at least 1)."""
    known: dict[Cell, Fraction] = {
        c: Fraction(v) for c, t in shown.items() if (v := _number(t)) is not None
    }
    found: dict[Cell, Fraction] = {}
    progress = True
    while progress:
        progress = False
        for relation in relations:
            unknown = [c for c in relation if c not in known]
            rest = -sum(k * known[c] for c, k in relation.items() if c in known)
            if len(unknown) == 1:
                cell = unknown[0]
                known[cell] = found[cell] = rest / relation[cell]
                progress = True
            elif (
                unknown
                and not any(c[2].startswith("Difference") for c in unknown)  # may be < 1
                and all(relation[c] == relation[unknown[0]] for c in unknown)
                and rest == len(unknown) * relation[unknown[0]]
            ):
                for cell in unknown:
                    known[cell] = found[cell] = Fraction(1)
                progress = True
    return found


def _attack(hidden_html: str, plain_html: str) -> tuple[dict[Cell, Fraction], int]:
    """Hidden counts worked out from the page, checked against the truth; and relations."""
    shown, truth = _count_cells(_parse(hidden_html)), _count_cells(_parse(plain_html))
    assert shown.keys() == truth.keys()
    relations = _true_relations(shown, truth)
    found = _work_out(shown, relations)
    for cell, value in found.items():
        assert value == _number(truth[cell]), (cell, value)  # the reader's sums are right
    return found, len(relations)


def _check_percentages(page: _Tables) -> None:
    """A percentage is shown only when its count and its base are: with one of the two, it
    would give the other away."""
    people = page.tables["People"]["Relieved (at least one conviction)"]["People"]
    bases = {
        "Conviction figures": page.tables["Conviction figures"]["Cannabis-related convictions"][
            "Convictions"
        ],
        "People": people,
        "Input rows": page.tables["Input rows"]["Read"]["Rows"],
        "Share of people relieved, by race": people,
        "Share of people relieved, by gender": people,
    }
    for caption, base in bases.items():
        columns = page.columns[caption]
        for row, cells in page.tables[caption].items():
            for i, column in enumerate(columns):
                if ("%" not in column and not column.startswith("Share")) or cells[column] == "":
                    continue
                if row == "Read":
                    continue  # 100.0% of itself
                count = cells[columns[i - 1]]
                if HIDDEN in (count, base):
                    assert cells[column] == HIDDEN, (caption, row)


# --- The tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "below", "compare"),
    [
        ("statute", 6, None),
        ("la", 6, None),
        ("la", 6, "statute"),  # the statute column of a policy run is the other run
        ("statute", 6, "la"),
        ("la", 3, "statute"),
        ("la", 11, "statute"),
    ],
)
def test_no_hidden_count_can_be_worked_out(
    runs: dict[str, Path], name: str, below: int, compare: str | None
) -> None:
    html, plain = _html(runs, name, below, compare), _html(runs, name, 0, compare)
    found, relations = _attack(html, plain)
    assert relations > 40
    assert not found, f"worked out from the page: {found}"
    _check_percentages(_parse(html))
    shown = _count_cells(_parse(html))
    hidden = [c for c, t in shown.items() if t == HIDDEN]
    truth = _count_cells(_parse(plain))
    assert any(_number(truth[c]) >= below for c in hidden)  # complements were needed


def test_primary_suppression_alone_gives_counts_away(
    runs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attacker has teeth: without complements, subtraction recovers hidden counts."""
    monkeypatch.setattr(report_writer, "hidden_counts", lambda page, below: frozenset())
    found, _ = _attack(_html(runs, "la", 6, "statute"), _html(runs, "la", 0, "statute"))
    cells = {(caption, row) for caption, row, _ in found}
    assert ("Share of people relieved, by gender", "Female") in cells  # 60 people less 55 men
    assert any(c.startswith("Figures under") for c, _ in cells)  # compare: a side and a diff


def test_one_hidden_cell_hides_the_smallest_other(runs: dict[str, Path]) -> None:
    """5 women of 60 people: hiding them alone would show the men as 55; so the men are
    hidden too, and the total stays shown."""
    html = _html(runs, "la", 6)
    page = _parse(html)
    gender = page.tables["Share of people relieved, by gender"]
    assert gender["Female"] == {"People": HIDDEN, "People relieved": HIDDEN,
                                "Share of people relieved": HIDDEN}  # fmt: skip
    assert gender["Male"]["People"] == HIDDEN  # 55: a complement
    assert page.tables["People"]["People in the input"]["People"] == "60"
    # The mark does not say which is which, and the bars are drawn alike.
    women = [w for _, t, w in page.bars if t.startswith("Female")]
    men = [w for _, t, w in page.bars if t.startswith("Male")]
    assert women == men == [6.0]
    # Race: Asian (1 person) with 5 "Other", 2 unknown: three small rows, no complement.
    race = page.tables["Share of people relieved, by race"]
    assert race["Black"]["People"] == "18" and race["Asian"]["People"] == HIDDEN


def test_complements_agree_everywhere(runs: dict[str, Path]) -> None:
    """Headline, tables and charts show one figure the same way."""
    html = _html(runs, "la", 6, "statute")
    page = _parse(html)
    shown = _count_cells(page)
    figures = page.tables["Conviction figures"]
    cards = " / ".join(page.cards)
    for row, words in (("Dismissed felonies", "felonies"),
                       ("Dismissed misdemeanors", "misdemeanors"),
                       ("Dismissed infractions", "infractions")):  # fmt: skip
        assert f"{figures[row]['Convictions']} {words}" in cards
    level = page.tables["Relieved convictions by level, by kind of relief"]
    assert (
        level["Misdemeanors"]["Dismissed and sealed"]
        == figures["Dismissed misdemeanors"]["Convictions"]
    )
    # Every chart bar shows what its table shows; hidden bars are fixed stubs.
    texts = {(r, t) for (_, r, _), t in shown.items()}
    texts |= {(r, t) for rows in page.tables.values() for r, cols in rows.items()
              for t in cols.values()}  # fmt: skip
    series = {c for columns in page.columns.values() for c in columns}
    for _, title, width in page.bars:
        label, _, text = title.rpartition(": ")
        rows = [label] + [label[: -len(s) - 2] for s in series if label.endswith(f", {s}")]
        assert any((row, text) in texts for row in rows), title
        assert (text == HIDDEN) == (width == 6.0), title


def test_suppression_off_is_unchanged(runs: dict[str, Path]) -> None:
    html = _html(runs, "la", 0, "statute")
    assert html == _html(runs, "la", 1, "statute")
    assert HIDDEN not in re.sub(r"<[^>]+>", " ", html.split("</style>")[1])
    run = open_run(runs["la"])
    page = page_figures(run.summary, [e["rows"] for e in run.manifest["inputs"]])
    assert hidden_counts(page, 0) == hidden_counts(page, 1) == frozenset()


def test_suppressed_report_is_reproducible(runs: dict[str, Path], tmp_path: Path) -> None:
    """Same bytes twice, and in processes with different string hashing (set order)."""
    assert _html(runs, "la", 6, "statute") == _html(runs, "la", 6, "statute")
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.html"
        code = "from cmr_reason.cli.app import main; main()"
        args = [sys.executable, "-c", code, "report", str(runs["la"]), "--out", str(out),
                "--suppress-below", "3", "--compare", str(runs["statute"])]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
        assert done.returncode == 0, done.stderr
        pages.append(out.read_bytes())
    assert pages[0] == pages[1]


# --- The algorithm on small tables, against brute force -------------------------------------


def _table(values: list[list[int]]) -> PageFigures:
    """A table with row totals, column totals and a grand total."""
    page = PageFigures()
    rows, cols = len(values), len(values[0])
    for r, c in itertools.product(range(rows), range(cols)):
        page.count(("cell", str(r), str(c)), values[r][c])
    for r in range(rows):
        page.count(("row", str(r)), sum(values[r]))
    for c in range(cols):
        page.count(("col", str(c)), sum(v[c] for v in values))
    page.count(("all",), sum(map(sum, values)))
    for r in range(rows):
        page.group(("row", str(r)), [("cell", str(r), str(c)) for c in range(cols)])
    for c in range(cols):
        page.group(("col", str(c)), [("cell", str(r), str(c)) for r in range(rows)])
    page.group(("all",), [("row", str(r)) for r in range(rows)])
    page.group(("all",), [("col", str(c)) for c in range(cols)])
    return page


def _possible_values(
    page: PageFigures, hidden: frozenset[tuple[str, ...]]
) -> dict[tuple[str, ...], set[int]]:
    """Every value each hidden count can take, given what is shown: a search over the
    hidden cells (each at least 1), the totals following from them."""
    free = [k for k in page.counts if k[0] == "cell" and k in hidden]
    shown = {k: v for k, v in page.values.items() if k not in hidden}
    limit = page.values[("all",)] + 2
    seen: dict[tuple[str, ...], set[int]] = {k: set() for k in hidden}
    values = {k: v for k, v in page.values.items() if k[0] == "cell" and k not in hidden}

    def total(key: tuple[str, ...]) -> int:
        at = 1 if key[0] == "row" else 2
        return sum(v for k, v in values.items() if k[at] == key[1])

    def room(key: tuple[str, ...]) -> int:
        """How far the shown totals over ``key`` leave room for it."""
        best = limit
        for group in page.groups:
            if key in group.parts and group.total in shown:
                used = sum(values.get(p, 0) for p in group.parts)
                best = min(best, shown[group.total] - used)
        if ("all",) in shown:
            best = min(best, shown[("all",)] - sum(values.values()))
        return best

    def search(i: int) -> None:
        if all(len(v) > 1 for v in seen.values()):
            return  # every hidden count has two values already: enough to know
        if i == len(free):
            full = dict(values)
            for key in page.counts:
                if key[0] in ("row", "col"):
                    full[key] = total(key)
            full[("all",)] = sum(v for k, v in values.items())
            if any(full[k] != v for k, v in shown.items()) or any(full[k] < 1 for k in hidden):
                return
            for key in hidden:
                seen[key].add(full[key])
            return
        for value in range(1, room(free[i]) + 1):
            values[free[i]] = value
            if adds_up(free[i]):
                search(i + 1)
            del values[free[i]]

    def adds_up(key: tuple[str, ...]) -> bool:
        """Whether each shown total over ``key`` with all its cells set matches them."""
        return all(
            sum(values[p] for p in g.parts) == shown[g.total]
            for g in page.groups
            if key in g.parts and g.total in shown and all(p in values for p in g.parts)
        )

    search(0)
    return seen


@given(
    st.integers(2, 3).flatmap(
        lambda cols: st.lists(
            st.lists(st.integers(0, 5), min_size=cols, max_size=cols), min_size=2, max_size=3
        )
    ),
    st.integers(2, 4),
)
def test_small_tables_keep_every_hidden_count_uncertain(
    values: list[list[int]], below: int
) -> None:
    page = _table(values)
    hidden = hidden_counts(page, below)
    assert {k for k in page.counts if 0 < page.values[k] < below} <= hidden
    assert all(page.values[k] != 0 for k in hidden)  # zeros stay shown
    if sum(k[0] == "cell" for k in hidden) > 6:
        return  # too many to enumerate here
    for key, possible in _possible_values(page, hidden).items():
        assert len(possible) > 1, (key, values, sorted(hidden))


def test_single_hidden_cell_takes_the_smallest_other_in_order() -> None:
    page = PageFigures()
    for name, value in (("a", 3), ("b", 20), ("c", 12), ("d", 12), ("t", 47)):
        page.count((name,), value)
    page.group(("t",), [("a",), ("b",), ("c",), ("d",)])
    assert hidden_counts(page, 5) == {("a",), ("c",)}  # c before d: the order shown
    assert hidden_counts(page, 4) == {("a",), ("c",)}
    assert hidden_counts(page, 1) == frozenset()


def test_two_ones_are_not_enough() -> None:
    """1 + 1 hidden under a shown total leaves each at exactly 1: a third is hidden."""
    page = PageFigures()
    for name, value in (("a", 1), ("b", 1), ("c", 30), ("d", 40), ("t", 72)):
        page.count((name,), value)
    page.group(("t",), [("a",), ("b",), ("c",), ("d",)])
    assert hidden_counts(page, 5) == {("a",), ("b",), ("c",)}


def test_a_bridge_between_two_hidden_blocks_is_found() -> None:
    """Every row and column has two or more hidden cells, yet one cell follows from the
    others: rows 0-1 less columns 0-1 leave cell (1, 2) alone."""
    values = [[2, 3, 9, 9], [3, 2, 2, 9], [9, 9, 3, 2], [9, 9, 2, 3]]
    page = _table(values)
    hidden = hidden_counts(page, 4)
    primary = {("cell", str(r), str(c)) for r in range(4) for c in range(4) if values[r][c] < 4}
    assert primary < hidden
    assert len(_possible_values(page, frozenset(primary))[("cell", "1", "2")]) == 1
    for key, possible in _possible_values(page, hidden).items():
        assert len(possible) > 1, key
