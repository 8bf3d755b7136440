"""Rows of the bulk run's output files (``docs/outputs.md``) for one person.

Everything here reads what the programs decided (outcomes, ``record_after``, sealable cases);
nothing here decides. A person comes as a :class:`~cmr_reason.facts.lean_person.LeanPerson`
(built straight from the DOJ rows, or from a history by
:func:`~cmr_reason.facts.lean_person.lean_person`). Values are plain strings so that the
writers stay trivial and the output is byte-identical whatever the batch or worker it came
from.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from cmr_reason.facts.history import Charge
from cmr_reason.facts.lean_person import LeanConviction, LeanPerson
from cmr_reason.reasoner.engine.catalogue import Catalogue
from cmr_reason.reasoner.engine.decision import Decision, Firing
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.explain.justification import STAGES, Record, fill, outcome_label

CONVICTION_COLUMNS = (
    "subject_id", "case_id", "conviction_id", "source_file", "source_line", "county",
    "disposition_date", "offence_date", "code_section", "raw_charge", "level",
    "statutory_outcome", "statutory_reason", "outcome", "reason", "alternative_outcome",
    "rule_ids", "citations", "flags", "explanation", "prosecuting_agency",
)  # fmt: skip
PEOPLE_COLUMNS = (
    "subject_id", "name", "birth_date", "gender", "race", "age_as_of", "convictions",
    "cannabis_convictions", "relieved_convictions", "felonies_before", "felonies_after",
    "convictions_before", "convictions_after", "no_felony_after", "no_conviction_after",
)  # fmt: skip
CASE_COLUMNS = (
    "subject_id", "case_id", "county", "court", "case_numbers", "disposition_date",
    "convictions", "cannabis_convictions", "dismissed_conviction_ids",
    "remaining_conviction_ids", "sealable",
)  # fmt: skip
REJECT_COLUMNS = ("source_file", "source_line", "reason", "detail", "subject_id")

RELIEF = frozenset(vocabulary().reliefs)  # relief_outcome/1 (programs/core/vocabulary.lp)


@lru_cache(maxsize=1 << 16)
def _iso(value: int | None) -> str:
    """A ``YYYYMMDD`` integer as ``YYYY-MM-DD`` (as ``date.isoformat``); "" for None."""
    if not value:
        return ""
    text = str(value)
    if len(text) == 8 and text.isdigit():  # years 1000-9999: the digits as they are
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


_STAGE_OF = {kind: index for index, kind in enumerate(STAGES)}
_PRESUMED = (None, "presumed")
_LAST_STAGE = len(STAGES)


def _chain(decision: Decision) -> list[Firing]:
    """Firings on the presumed branch: the deciding rule first, then in the statute's order."""
    chain = [firing for firing in decision.firings if firing.branch in _PRESUMED]
    if len(chain) > 1:
        decided_by = decision.decided_by
        # a stable sort: firings of equal keys stay in their order (the firings uncompared)
        chain.sort(
            key=lambda firing: (
                firing.rule_id != decided_by,
                _STAGE_OF.get(firing.kind, _LAST_STAGE),
                firing.rule_id,
            )
        )
    return chain


@lru_cache(maxsize=1 << 14)
def code_section(charge: Charge) -> str:
    """``charge.code_section()``, once per charge (charges repeat across people)."""
    return charge.code_section()


def _offence_date(decision: Decision) -> str:
    for firing in decision.firings:
        if firing.kind == "offence_date":
            if not isinstance(firing.conclusion, tuple):
                raise ValueError(f"rule {firing.rule_id}: offence_date needs its date")
            value = str(firing.conclusion[1])
            return f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    return ""


def explanation_sentence(
    decision: Decision, catalogue: Catalogue, record: Record, chain: list[Firing]
) -> str:
    """One plain-English sentence: the outcome and the deciding rule's text.

    ``chain`` is :func:`_chain`'s order, so the deciding rule, if it fired, comes first.
    """
    decisive = chain[0] if chain and chain[0].rule_id == decision.decided_by else None
    if decisive is not None:
        because = fill(catalogue.rule(decisive.rule_id).template, decisive.args, record)
    else:
        because = catalogue.reason_text(decision.reason)
    text = f"{outcome_label(decision.outcome)}: {because}"
    if decision.statutory_outcome and decision.outcome != decision.statutory_outcome:
        text += f" (Statute alone: {outcome_label(decision.statutory_outcome).lower()}.)"
    for outcome, fact in decision.alternatives:
        phrase = catalogue.unknown_facts.get(fact, fact.replace("_", " "))
        text += f" If {phrase}: {outcome_label(outcome).lower()}."
    return text


@dataclass(frozen=True)
class LeanRecord(Record):
    """What a template's ``prior`` slot reads of a person: another conviction, described."""

    person: LeanPerson | None = None

    def describe(self, cid: str) -> str:
        """E.g. ``PC 187 conviction of 1990-04-01`` (as :meth:`Record.describe`)."""
        convictions = self.person.convictions if self.person else ()
        conv = next((c for c in convictions if c.conviction_id == cid), None)
        if conv is None:
            return cid
        when = _iso(conv.disposition_date) or "unknown date"
        code = conv.code_section or conv.charge.raw or "unknown charge"
        return f"{code} conviction of {when}"


class _Cells:
    """The rule-id and citation cells of a chain's rule ids, for one catalogue at a time.

    Each kept cell also as :func:`csv_cell` writes it (``encoded``), for
    :func:`conviction_line`.
    """

    catalogue: ClassVar[Catalogue | None] = None
    cells: ClassVar[dict[tuple[str, ...], tuple[str, str]]] = {}
    sentences: ClassVar[dict[tuple[object, ...], str]] = {}
    encoded: ClassVar[dict[str, str]] = {}

    @classmethod
    def use(cls, catalogue: Catalogue) -> None:
        """Start afresh for another catalogue, or when the caches have grown large."""
        if (
            cls.catalogue is not catalogue
            or len(cls.cells) > _MAX_CACHED
            or len(cls.sentences) > _MAX_CACHED
        ):
            cls.catalogue, cls.cells, cls.sentences, cls.encoded = catalogue, {}, {}, {}


def _rule_cells(catalogue: Catalogue, ids: tuple[str, ...]) -> tuple[str, str]:
    """``rule_ids`` and ``citations`` of ``convictions.csv`` for a chain's rule ids.

    Kept for the last catalogue used (a run has one); chains repeat from person to person.
    """
    _Cells.use(catalogue)
    found = _Cells.cells.get(ids)
    if found is None:
        rule_ids = list(dict.fromkeys(ids))
        citations = dict.fromkeys(catalogue.rule(r).citation for r in rule_ids)
        found = _Cells.cells[ids] = (";".join(rule_ids), ";".join(filter(None, citations)))
    return found


_MAX_CACHED = 1 << 16


def _explanation(
    decision: Decision, catalogue: Catalogue, record: Record, chain: list[Firing]
) -> str:
    """:func:`explanation_sentence`, kept by what it reads when the record is not read.

    The sentence depends on the deciding rule's template and slot values (or the reason),
    the outcomes and the alternatives; a ``prior`` slot reads the record, so is not kept.
    """
    decisive = chain[0] if chain and chain[0].rule_id == decision.decided_by else None
    if decisive is not None and any(name == "prior" for name, _ in decisive.args):
        return explanation_sentence(decision, catalogue, record, chain)
    key = (
        (decisive.rule_id, decisive.args) if decisive is not None else decision.reason,
        decision.outcome,
        decision.statutory_outcome,
        *decision.alternatives,
    )
    _Cells.use(catalogue)
    found = _Cells.sentences.get(key)
    if found is None:
        found = _Cells.sentences[key] = explanation_sentence(decision, catalogue, record, chain)
    return found


def conviction_row(
    person: LeanPerson,
    conv: LeanConviction,
    decision: Decision,
    catalogue: Catalogue,
    record: Record | None = None,
) -> list[str]:
    """One row of ``convictions.csv`` (``record``: the person's, made here if not given)."""
    chain = _chain(decision)
    rule_ids, citations = _rule_cells(catalogue, tuple([f.rule_id for f in chain]))
    alternatives = [f"{o} if {fact}" for o, fact in decision.alternatives]
    return [
        person.subject_id,
        conv.case_id,
        conv.conviction_id,
        conv.file,
        str(conv.line),
        conv.county,
        _iso(conv.disposition_date),
        _offence_date(decision),
        conv.code_section,
        conv.charge.raw,
        conv.level,
        decision.statutory_outcome,
        decision.statutory_reason,
        decision.outcome,
        decision.reason,
        ";".join(alternatives),
        rule_ids,
        citations,
        ";".join(decision.flags),
        _explanation(decision, catalogue, record or LeanRecord(None, person), chain),
        decision.agency,
    ]


# --- CSV lines without csv.writer: a row's cells joined, quoted only where needed -----------
def _plain(text: str) -> bool:
    """True when csv.writer writes the text as it is (nothing in it needs quotes).

    Stricter than the writer (which quotes for the delimiter, the quote character and the
    line terminator): a carriage return is also sent to the writer.
    """
    return "," not in text and '"' not in text and "\n" not in text and "\r" not in text


def csv_cell(text: str) -> str:
    """A cell as the run's CSV writer (newline line ends) writes it in a row of two cells.

    Quoted, its quotes doubled, when it holds the delimiter, a quote or a line feed; a
    carriage return is left to the writer (Python versions differ on it).
    """
    if "\r" not in text:
        if "," in text or '"' in text or "\n" in text:
            return '"' + text.replace('"', '""') + '"'
        return text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow((text, ""))
    return buffer.getvalue()[:-2]  # less the empty second cell's delimiter and the line end


def csv_line(cells: list[str]) -> str:
    """The line the run's CSV writer (newline line ends) writes of two or more cells.

    The cells joined when none needs quotes (their delimiters counted, no quote or line
    break in the line), else each cell as :func:`csv_cell` writes it.
    """
    line = ",".join(cells)
    if (
        line.count(",") == len(cells) - 1
        and '"' not in line
        and "\n" not in line
        and "\r" not in line
    ):
        return line + "\n"
    return ",".join([csv_cell(cell) for cell in cells]) + "\n"


def _encoded(text: str) -> str:
    """:func:`csv_cell` of a kept cell (rule ids, citations, a kept sentence), kept too."""
    found = _Cells.encoded.get(text)
    if found is None:
        if len(_Cells.encoded) > _MAX_CACHED:
            _Cells.encoded = {}
        found = _Cells.encoded[text] = csv_cell(text)
    return found


#: A batch's conviction-line tails by the shape of their decision (:func:`conviction_line`):
#: the cells from ``statutory_outcome`` on as one text, or "" for a line written whole.
Tails = dict[tuple[object, ...], str]


def _tail_key(decision: Decision) -> tuple[object, ...]:
    """What a conviction line's cells from ``statutory_outcome`` on depend on.

    The outcomes and reasons, the deciding rule, the agency, the flags, the alternatives,
    and of each firing in order what :func:`_chain` sorts and filters it by (its rule id,
    kind and branch) and, for a firing of the deciding rule, the slot values the
    explanation reads. Not the offence date, which is each conviction's own.
    """
    decided_by, flags, alternatives = decision.decided_by, decision.flags, decision.alternatives
    key: list[object] = [
        decided_by,
        decision.outcome,
        decision.reason,
        decision.statutory_outcome,
        decision.statutory_reason,
        decision.agency,
        len(flags),
        *flags,
        len(alternatives),
        *alternatives,
    ]
    for firing in decision.firings:
        rule_id = firing.rule_id
        key += (rule_id, firing.kind, firing.branch, firing.args if rule_id == decided_by else 0)
    return tuple(key)


def _tail(cells: list[str], decision: Decision) -> str:
    """A row's cells from ``statutory_outcome`` on, as :func:`csv_line` writes them.

    Empty when the explanation reads the person's record (a ``prior`` slot of the deciding
    rule) or when one of these cells needs quotes: such lines are written whole.
    """
    chain = _chain(decision)
    decisive = chain[0] if chain and chain[0].rule_id == decision.decided_by else None
    if decisive is not None and any(name == "prior" for name, _ in decisive.args):
        return ""
    return _cells_from(cells, 11) or ""


def conviction_line(
    person: LeanPerson,
    conv: LeanConviction,
    decision: Decision,
    catalogue: Catalogue,
    record: Record | None = None,
    tails: Tails | None = None,
) -> str:
    """:func:`conviction_row` as :func:`csv_line` writes it.

    The rule-id, citation and explanation cells, which nearly always need quotes, are
    written once each as the writer writes them and kept; the other cells are joined and
    checked as :func:`csv_line` checks a row (``tests/test_csv_lines.py``). ``tails``, one
    dict a batch (one catalogue), keeps the decision's part of the line by
    :func:`_tail_key`: a conviction whose decision has the shape of one already written (half
    of them: "not applicable: not cannabis" with one rule) is written from the kept part
    and its own cells, without its row (``tests/test_row_tails.py``).
    """
    if tails is not None:
        key = _tail_key(decision)
        found = tails.get(key)
        if found is None:
            cells = conviction_row(person, conv, decision, catalogue, record)
            tails[key] = _tail(cells, decision)
            return _line(cells)
        if found:
            head = (
                f"{person.subject_id},{conv.case_id},{conv.conviction_id},{conv.file},"
                f"{conv.line},{conv.county},{_iso(conv.disposition_date)},"
                f"{_offence_date(decision)},"
                f"{conv.code_section},{conv.charge.raw},{conv.level}"
            )
            if head.count(",") == 10 and '"' not in head and "\n" not in head and "\r" not in head:
                return f"{head},{found}\n"
    return _line(conviction_row(person, conv, decision, catalogue, record))


def _line(cells: list[str]) -> str:
    """A conviction row's cells as :func:`csv_line` writes them, the kept cells kept."""
    text = _cells_from(cells, 0)
    return csv_line(cells) if text is None else f"{text}\n"


def _cells_from(cells: list[str], start: int) -> str | None:
    """A conviction row's cells from ``start`` on as :func:`csv_line` writes them.

    None when one of them needs quotes (then :func:`csv_line` writes the row). The
    explanation and the rule cells are always quoted as needed (``_encoded``); the flags and
    the agency are checked (``_plain``).
    """
    own = ",".join(cells[start:16])
    if (
        own.count(",") != 15 - start
        or '"' in own
        or "\n" in own
        or "\r" in own
        or not _plain(cells[18])
        or not _plain(cells[20])
    ):
        return None
    return (
        f"{own},{_encoded(cells[16])},{_encoded(cells[17])},{cells[18]},"
        f"{_encoded(cells[19])},{cells[20]}"
    )


@dataclass
class PersonOutcome:
    """What one person's decisions add up to (for people.csv and the summary)."""

    relieved: int = 0
    convictions: int = 0  # every conviction on the record, as read
    felonies_before: int = 0
    felonies_after: int = 0
    convictions_before: int = 0
    convictions_after: int = 0
    cannabis: int = 0
    relieved_by_level: dict[str, int] = field(default_factory=dict)


def person_outcome(person: LeanPerson, decisions: dict[str, Decision]) -> PersonOutcome:
    """Count a person's convictions before and after relief, from ``record_after``."""
    result = PersonOutcome()
    for conv in person.convictions:
        decision = decisions[conv.conviction_id]
        # The record before relief, as the programs read it (core/after_relief.lp): the
        # level at conviction unless a later disposition changed it (record_before).
        before = decision.record_before or conv.level or "unknown"
        result.convictions += 1
        result.convictions_before += before != "removed"
        result.felonies_before += before == "felony"
        after = decision.record_after
        result.convictions_after += after != "removed"
        result.felonies_after += after == "felony"
        result.cannabis += decision.cannabis_related
        if decision.outcome in RELIEF:
            result.relieved += 1
    return result


def person_row(person: LeanPerson, outcome: PersonOutcome, as_of: dt.date) -> list[str]:
    """One row of ``people.csv``."""
    age = ""
    born = person.birth_date
    if born and not person.conflicting_birth_date:
        year, month, day = born // 10000, born // 100 % 100, born % 100
        age = str(as_of.year - year - ((as_of.month, as_of.day) < (month, day)))
    return [
        person.subject_id,
        person.name,
        _iso(person.birth_date),
        person.gender,
        person.race,
        age,
        str(outcome.convictions),
        str(outcome.cannabis),
        str(outcome.relieved),
        str(outcome.felonies_before),
        str(outcome.felonies_after),
        str(outcome.convictions_before),
        str(outcome.convictions_after),
        _yes(outcome.felonies_after == 0),
        _yes(outcome.convictions_after == 0),
    ]


def case_rows(
    person: LeanPerson,
    decisions: dict[str, Decision],
    cannabis_cases: set[str],
    sealable_cases: set[str],
) -> list[list[str]]:
    """Rows of ``cases.csv``: each court case of the person holding a cannabis conviction."""
    by_case: dict[str, list[LeanConviction]] = {}
    for conv in person.convictions:
        if conv.case_id in cannabis_cases:
            by_case.setdefault(conv.case_id, []).append(conv)
    if not by_case:
        return []
    cases = person.cases
    rows = []
    for case_id in sorted(by_case):
        convs = sorted(by_case[case_id], key=lambda c: c.conviction_id)
        dismissed: list[str] = []
        remaining: list[str] = []
        cannabis = 0
        for conv in convs:
            decision = decisions[conv.conviction_id]
            cannabis += decision.cannabis_related
            removed = decision.record_after == "removed"
            (dismissed if removed else remaining).append(conv.conviction_id)
        case = cases.get(case_id)
        first = convs[0]
        rows.append(
            [
                person.subject_id,
                case_id,
                case.county if case else first.county,
                (case.court if case else first.court),
                ";".join(case.case_numbers if case else first.case_numbers),
                _iso(case.date if case and case.date else first.disposition_date),
                str(len(convs)),
                str(cannabis),
                ";".join(dismissed),
                ";".join(remaining),
                _yes(case_id in sealable_cases),
            ]
        )
    return rows
