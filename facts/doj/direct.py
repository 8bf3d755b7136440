"""A DOJ subject's kept rows straight to the bulk run's packed facts and a lean person.

The bulk run needs two things of each person: the packed facts the programs read
(:func:`cmr_reason.facts.fact_writer.packed_facts`) and the values its output rows show
(:class:`~cmr_reason.facts.lean_person.LeanPerson`). Building a :class:`History` first, a
tree of pydantic models, costs more than both, so :func:`direct_person` writes them from the
subject's rows, taking the same values in the same order as
:func:`~cmr_reason.facts.doj.history_builder.build_history` (whose helpers it shares);
``tests/test_direct_facts.py`` checks that both paths give the same facts and the same lean
person for every person of generated files, damaged rows included. ``History`` stays the
form of ``explain``, hand-written histories and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Final

from cmr_reason.facts.charge_normaliser import normalise_charge
from cmr_reason.facts.dates import part_end_yyyymmdd, to_yyyymmdd
from cmr_reason.facts.doj.history_builder import _charge, _deceased, parse_court
from cmr_reason.facts.doj.rows import CourtRow, Subject, count_flags, order_key
from cmr_reason.facts.fact_writer import body_term, packed_charge_term, quote, subs_term
from cmr_reason.facts.history import Charge
from cmr_reason.facts.lean_person import LeanCase, LeanConviction, LeanPerson

# Final: compiled by mypyc, a C static or the literal itself, not a look-up in the module's
# dict at each use (reader.py's constants).
_file_line: Final = itemgetter(0, 1)  # a CourtRow's (file, line)
_LAST: Final = 1 << 62  # sorts an unknown date after every known one
_CONVICTED_LATER: Final = "later_disposition_without_conviction"
_quoted: Final = lru_cache(maxsize=1 << 14)(quote)  # counties, courts and file names repeat


_ChargeParts = tuple[Charge, str, tuple[tuple[str, str], ...], str]


def _charge_facts(charge: Charge) -> _ChargeParts:
    """A charge, its term in ``packed_conviction/8``, its marks and its code section.

    The marks are ``charge_unparsed/1``, ``attempt/1``, ``conspiracy/1`` and
    ``target_charge/4`` (text before and after an id), as
    :func:`cmr_reason.facts.fact_writer.packed_facts` writes them.
    """
    marks = []
    if not charge.parsed:
        marks.append(("charge_unparsed(", ")."))
    if charge.attempt:
        marks.append(("attempt(", ")."))
    if charge.conspiracy:
        marks.append(("conspiracy(", ")."))
    target = charge.target
    if target is not None and target.parsed:
        target_args = (
            f"{body_term(target.body or '')}, {quote(target.section or '')}, "
            f"{subs_term(target.subsections)}"
        )
        marks.append(("target_charge(", f", {target_args})."))
    return charge, packed_charge_term(charge), tuple(marks), charge.code_section()


@lru_cache(maxsize=1 << 14)
def _plain_charge(text: str) -> _ChargeParts:
    return _charge_facts(normalise_charge(text))


def _charge_parts(row: CourtRow) -> _ChargeParts:
    """:func:`_charge_facts` of the count's charge (``history_builder._charge``).

    Kept by the charge's text (charges repeat across people), unless the comment may name
    a conspiracy's target (rare).
    """
    parts = _plain_charge(row.charge_text)
    charge = parts[0]
    if charge.conspiracy and charge.target is None and row.charge_column != "COMMENT_TEXT":
        return _charge_facts(_charge(row))
    return parts


@lru_cache(maxsize=1 << 14)
def _agency_term(code: str, description: str) -> str:
    agency = parse_court(code, description)
    if not agency.place:
        return "none"
    return f"agency({quote(agency.kind)}, {quote(agency.place)})"


@lru_cache(maxsize=1 << 14)
def _court_place(code: str, description: str) -> str:
    court = parse_court(code, description)
    return f"{quote(court.kind)}, {quote(court.place)}" if court.place else "none, none"


def _part_end(disposition: int | None, length: int | None, unit: str | None) -> str:
    """A sentence part's end date as a term (not cached: in a batch, nearly every one differs)."""
    if disposition is None or length is None or unit is None:
        return "none"
    end = part_end_yyyymmdd(disposition, length, unit)
    return "none" if end is None else str(end)


def _day(value: int | None) -> str:
    return "none" if value is None else str(value)


def _sentence(cid: str, rows: Sequence[CourtRow], disposition: int | None) -> list[str]:
    """The count's sentence parts as facts, in DOJ order (``history_builder._sentence``)."""
    if len(rows) == 1:  # the usual count: one row, at most one part
        r = rows[0]
        if not (r.convicted and r.sent_kind):
            return []
        if r.sent_length is not None and r.sent_unit is not None:
            end = _part_end(disposition, r.sent_length, r.sent_unit)
            return [
                f"packed_sentence({cid}, {r.sent_kind}, {r.sent_length}, {r.sent_unit}, {end})."
            ]
        return [f"sentence({cid}, {r.sent_kind})."]
    ordered = [r for r in rows if r.convicted and r.sent_kind]
    if len(ordered) > 1:
        ordered.sort(
            key=lambda r: (order_key(r.sent_order), r.sent_kind, r.sent_length or 0, r.line)
        )
    facts = []
    for r in ordered:
        if r.sent_length is not None and r.sent_unit is not None:
            end = _part_end(disposition, r.sent_length, r.sent_unit)
            facts.append(
                f"packed_sentence({cid}, {r.sent_kind}, {r.sent_length}, {r.sent_unit}, {end})."
            )
        else:
            facts.append(f"sentence({cid}, {r.sent_kind}).")
    return facts


def _later(cid: str, rows: Sequence[CourtRow]) -> list[str]:
    """The count's later updates as facts (``history_builder._later``)."""
    found = {
        (r.update, r.disp_date if r.disp_date else r.step_date): r.line for r in rows if r.update
    }
    return [
        f"later_disposition({cid}, {kind}, {date})."
        for kind, date in sorted(found, key=lambda item: (item[1], item[0]))
    ]


def _numbers(ofn: str, crt_case: str) -> tuple[str, ...]:
    """A one-row case's numbers: the distinct non-blank ones of the row, sorted."""
    if not ofn:
        return (crt_case,) if crt_case else ()
    if not crt_case or crt_case == ofn:
        return (ofn,)
    return (ofn, crt_case) if ofn < crt_case else (crt_case, ofn)


def _first_line(rows: Sequence[CourtRow]) -> int:
    """The first line of the rows from the first row's file (``history_builder._source``)."""
    file = rows[0].file
    if len(rows) == 1:
        return rows[0].line
    return min(r.line for r in rows if r.file == file)


def _cases(
    sid: str, subject: Subject, counts: list[str]
) -> tuple[dict[str, LeanCase], dict[str, str]]:
    """The court cases by id, and each one's court kind and place as terms.

    As ``history_builder._cases`` finds them.
    """
    case_rows: dict[str, list[CourtRow]] = {}
    for cnt in counts:
        rows = subject.counts[cnt]
        if len(rows) > 1:
            rows = [r for r in rows if not r.update]
        elif rows[0].update:
            continue
        if rows:  # a count of updates alone makes no case
            step = cnt[:6]
            found = case_rows.get(step)
            if found is None:
                case_rows[step] = list(rows)
            else:
                found.extend(rows)
    cases: dict[str, LeanCase] = {}
    courts: dict[str, str] = {}
    for step, rows in case_rows.items():
        if len(rows) == 1:
            head = rows[0]
            numbers = _numbers(head.ofn, head.crt_case)
        else:
            head = min(rows, key=_file_line)
            numbers = tuple(sorted({n for r in rows for n in (r.ofn, r.crt_case) if n}))
        case_id = f"{sid}:{step}"
        cases[case_id] = LeanCase(  # county, court, case_numbers, date (positional)
            head.county, head.ori_descr, numbers, head.step_date or head.disp_date
        )
        courts[case_id] = _court_place(head.ori_code, head.ori_descr)
    return cases, courts


def _arrests(subject: Subject, agencies: bool = True) -> dict[str, tuple[int | None, str]]:
    """Each arrest cycle's first arrest step: its date and agency, a term (or ``none``).

    Without ``agencies`` (no rule reads them), every agency is ``none``.
    """
    first: dict[str, tuple[int | None, str]] = {}
    for step in sorted(subject.arrests):
        cycle = step[:3]
        if cycle not in first:
            head = subject.arrests[step][0]
            agency = _agency_term(head.ori_code, head.ori_descr) if agencies else "none"
            first[cycle] = (head.step_date, agency)
    return first


def _registrations(pid: str, subject: Subject, files: Sequence[str]) -> list[str]:
    """``registration/4`` facts, in the history's order of registrations."""
    found = []
    for r in subject.registrations:
        charge = normalise_charge(r.charge_text)
        key = (r.date if r.date is not None else _LAST, charge.raw, files[r.file], r.line)
        found.append((key, charge, r.date))
    found.sort(key=lambda item: item[0])
    return [
        f"registration({pid}, {body_term(charge.body or '')}, {quote(charge.section or '')}, "
        f"{date})."
        for _, charge, date in found
        if charge.parsed and date
    ]


def _rejected(pid: str, subject: Subject, files: Sequence[str]) -> list[str]:
    """``rejected_line/3`` facts: by file name, lines in order."""
    if not subject.rejected_lines:
        return []
    by_file: dict[str, set[int]] = {}
    for file, line in subject.rejected_lines:
        by_file.setdefault(files[file], set()).add(line)
    return [
        f"rejected_line({pid}, {_quoted(name)}, {line})."
        for name, lines in sorted(by_file.items())
        for line in sorted(lines)
    ]


_NO_ARREST: Final[tuple[int | None, str]] = (None, "none")

#: The parts of the packed facts a program may leave unread, and the predicate that
#: ``programs/core/packed_facts.lp`` unpacks each into: the arresting agency of
#: ``packed_conviction/8``, ``agency(Kind, Place)``. (The court's kind and place and the
#: cycle of ``packed_case/7`` written ``none`` cost clingo more than their strings:
#: tests/bench/analysis.md, eighth round.)
OPTIONAL_PARTS: dict[str, tuple[str, int]] = {"agency": ("arrest_agency", 3)}


def unread_parts(needed: frozenset[tuple[str, int]] | None) -> frozenset[str]:
    """The optional parts whose predicate no rule a shown atom depends on reads.

    ``needed``: the program's needed predicates (``program_prune.needed``); None, all are.
    Such a part is written ``none``, as a missing value is: the unpacking gives no fact of
    it, which no kept rule would have read (the programs read these positions of the packed
    facts only through ``core/packed_facts.lp``: ``tests/test_packed_parts.py``).
    """
    if needed is None:
        return frozenset()
    return frozenset(part for part, sig in OPTIONAL_PARTS.items() if sig not in needed)


def direct_person(
    sid: str, subject: Subject, files: Sequence[str], unread: frozenset[str] = frozenset()
) -> tuple[str, LeanPerson]:
    """The packed facts and the lean person of one subject, as its history would give them.

    ``files`` maps the rows' file index to its name; ``unread``: the optional parts
    (:func:`unread_parts`) written ``none``, since the run's program reads none of them.
    """
    flags = set(subject.flags)
    name, birth, gender, race, _race_code, _cii = subject.identity
    birth_date = int(birth) if birth and "conflicting_birth_date" not in flags else None
    deceased = _deceased(subject, flags) if subject.deaths else None
    first_arrest = _arrests(subject, "agency" not in unread)
    counts = sorted(subject.counts)
    cases, courts = _cases(sid, subject, counts)
    pid = quote(sid)
    open_id = pid[:-1]  # the quoted subject id without its closing quote: ids add digits
    convictions: list[tuple[tuple[int, str], LeanConviction, list[str]]] = []
    for cnt in counts:
        rows = subject.counts[cnt]
        convicted = [r for r in rows if r.convicted]
        if not convicted:
            if any(r.update for r in rows):
                flags.add(_CONVICTED_LATER)
            continue
        first = convicted[0]
        if len(rows) == 1:  # count_flags of one row: neither conflicting nor in two files
            data_flags = ["some_rows_rejected"] if cnt in subject.rejected_counts else []
            if first.level_flag:
                data_flags.append(first.level_flag)
            if first.charge_column == "COMMENT_TEXT":
                data_flags.append("charge_from_comment")
        else:
            data_flags = count_flags(rows, first, cnt in subject.rejected_counts)
        disposition = first.step_date if first.step_date else first.disp_date
        if disposition is None:
            data_flags.append("disposition_date_missing")
        if first.level is None:
            data_flags.append("level_missing")
        arrest_on, agency = first_arrest.get(cnt[:3], _NO_ARREST)
        arrest_date = arrest_on if arrest_on else first.cyc_date
        cid_text = f"{sid}:{cnt}"
        case_id = f"{sid}:{cnt[:6]}"
        cid = f'{open_id}:{cnt}"'
        charge, charge_term, marks, code = _charge_parts(first)
        facts = [
            f'packed_conviction({cid}, {pid}, {open_id}:{cnt[:6]}", '
            f"{'none' if disposition is None else disposition}, "
            f"{'none' if arrest_date is None else arrest_date}, {charge_term}, "
            f"{first.level or 'none'}, "
            f"{agency})."
        ]
        if marks:
            facts += [head + cid + tail for head, tail in marks]
        facts += _sentence(cid, rows, disposition)
        if len(convicted) < len(rows):  # only then can a row be an update
            facts += _later(cid, rows)
        if data_flags:
            data_flags.sort()
            facts += [f"data_flag({cid}, {flag})." for flag in data_flags]
        lean = LeanConviction(  # positional (as declared): cheaper than by keyword
            cid_text,  # conviction_id
            case_id,
            files[rows[0].file],  # file
            _first_line(rows),  # line
            first.county,
            disposition,  # disposition_date
            charge,
            code,  # code_section
            first.level or "",  # level
            first.ori_descr,  # court
            cases[case_id].case_numbers,
        )
        key = (disposition if disposition is not None else _LAST, cid_text)
        convictions.append((key, lean, facts))
    convictions.sort(key=lambda item: item[0])
    lines = [f"packed_person({pid}, {_day(birth_date)})."]
    if deceased is not None:
        lines.append(f"deceased({pid}, {to_yyyymmdd(deceased)}).")
    if flags:
        lines += [f"person_flag({pid}, {flag})." for flag in sorted(flags)]
    if subject.rejected_lines:
        lines += _rejected(pid, subject, files)
    for case_id in sorted(cases):
        case = cases[case_id]
        lines.append(
            f'packed_case({open_id}:{case_id[-6:]}", {pid}, {_quoted(case.county)}, '
            f"{_quoted(case.court)}, {courts[case_id]}, "
            f'{open_id}:{case_id[-6:-3]}").'
        )
    for _, _, facts in convictions:
        lines += facts
    if subject.registrations:
        lines += _registrations(pid, subject, files)
    person = LeanPerson(
        subject_id=sid,
        name=name,
        birth_date=birth_date,
        gender=gender,
        race=race,
        deceased=deceased is not None,
        conflicting_birth_date="conflicting_birth_date" in flags,
        convictions=[lean for _, lean, _ in convictions],
        cases=cases,
    )
    return "\n".join(lines) + "\n", person
