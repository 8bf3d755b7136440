"""Translate a :class:`History` into clingo facts (the schema of ``docs/facts.md``).

The text form is the same one test authors write by hand in ``tests/cases/**/*.lp``.
Emission is deterministic: items are written in a stable order and no set is iterated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from cmr_reason.facts.dates import to_yyyymmdd
from cmr_reason.facts.history import Charge, Conviction, CourtCase, History


def quote(text: str) -> str:
    """A clingo string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def subs_term(subsections: tuple[str, ...]) -> str:
    """Subsections as a clingo tuple: ``()``, ``("a",)``, ``("a","1")``."""
    if not subsections:
        return "()"
    inner = ",".join(quote(s) for s in subsections)
    return f"({inner},)" if len(subsections) == 1 else f"({inner})"


def body_term(body: str) -> str:
    """A code body as a clingo constant (``hs``), quoted when not a plain identifier."""
    return body if body.isidentifier() and body[0].islower() else quote(body)


DOJ_CASE_ID = re.compile(r"^(?P<subject>.+):(?P<cycle>\d{3})\d{3}$")


def case_cycle(subject_id: str, case: CourtCase) -> str:
    """The arrest cycle of a case: as given, or the first three digits of a DOJ case id.

    A DOJ case id is ``SUBJECT_ID:`` plus the first six digits of ``CNT_ORDER`` (cycle,
    then step), so its cycle is ``SUBJECT_ID:`` plus the first three (docs/doj-format.md).
    """
    if case.cycle:
        return case.cycle
    match = DOJ_CASE_ID.match(case.case_id)
    if match and match.group("subject") == subject_id:
        return f"{subject_id}:{match.group('cycle')}"
    return ""


def _charge_args(charge: Charge) -> str:
    """A parsed charge as the arguments ``Body, Section, Subs`` of ``charge/4``."""
    return (
        f"{body_term(charge.body or '')}, {quote(charge.section or '')}, "
        f"{subs_term(charge.subsections)}"
    )


def _charge_marks(cid: str, charge: Charge) -> Iterable[str]:
    """``charge_unparsed/1``, ``attempt/1``, ``conspiracy/1`` and ``target_charge/4``."""
    if not charge.parsed:
        yield f"charge_unparsed({cid})."
    if charge.attempt:
        yield f"attempt({cid})."
    if charge.conspiracy:
        yield f"conspiracy({cid})."
    target = charge.target
    if target is not None and target.parsed:
        yield f"target_charge({cid}, {_charge_args(target)})."


def _sentence_facts(cid: str, conv: Conviction, packed: bool = False) -> Iterable[str]:
    """Each sentence part and its calendar end.

    ``sentence/4`` and ``sentence_part_end/5`` (packed: one ``packed_sentence/5`` fact), or
    ``sentence/2`` for a part without a length.
    """
    for part in conv.sentence:
        if part.length is not None and part.unit is not None:
            term = f"{cid}, {part.kind}, {part.length}, {part.unit}"
            if packed:
                yield f"packed_sentence({term}, {_day_or_none(part.end)})."
                continue
            yield f"sentence({term})."
            if part.end is not None:
                yield f"sentence_part_end({term}, {to_yyyymmdd(part.end)})."
        else:
            yield f"sentence({cid}, {part.kind})."


def _later_facts(cid: str, conv: Conviction) -> Iterable[str]:
    for later in conv.later_dispositions:
        yield f"later_disposition({cid}, {later.kind}, {to_yyyymmdd(later.date)})."


def _flag_facts(cid: str, conv: Conviction) -> Iterable[str]:
    for flag in conv.flags:
        yield f"data_flag({cid}, {flag})."


def _charge_facts(cid: str, charge: Charge, descriptive: bool) -> Iterable[str]:
    if charge.parsed:
        yield f"charge({cid}, {_charge_args(charge)})."
    yield from _charge_marks(cid, charge)
    if descriptive:
        yield f"raw_charge({cid}, {quote(charge.raw)})."


def _conviction_facts(pid: str, conv: Conviction, descriptive: bool) -> Iterable[str]:
    cid = quote(conv.conviction_id)
    yield f"conviction({cid}, {pid}, {quote(conv.case_id)})."
    if conv.disposition_date:
        yield f"disposition_date({cid}, {to_yyyymmdd(conv.disposition_date)})."
    if conv.arrest_date:
        yield f"arrest_date({cid}, {to_yyyymmdd(conv.arrest_date)})."
    if conv.offence_date:
        yield f"offence_date({cid}, {to_yyyymmdd(conv.offence_date)})."
    yield from _charge_facts(cid, conv.charge, descriptive)
    if conv.level is not None:
        yield f"level({cid}, {conv.level.value})."
    if conv.arrest_agency.place:
        yield (
            f"arrest_agency({cid}, {quote(conv.arrest_agency.kind)}, "
            f"{quote(conv.arrest_agency.place)})."
        )
    yield from _sentence_facts(cid, conv)
    yield from _later_facts(cid, conv)
    yield from _flag_facts(cid, conv)


# The most subsections a packed charge is written flat with (``code/2`` to ``code/7``, read by
# programs/core/packed_facts.lp); a charge with more keeps the tuple form.
FLAT_SUBSECTIONS = 5


def packed_charge_term(charge: Charge) -> str:
    """A parsed charge's term in ``packed_conviction/8``, ``none`` for an unparsed one.

    Flat, ``code(Body, Section, Sub1, ..., SubN)``, for up to :data:`FLAT_SUBSECTIONS`
    subsections (clingo reads a fact holding a tuple several times as slowly as one holding
    none); ``charge(Body, Section, Subs)`` with a tuple beyond that.
    """
    if not charge.parsed:
        return "none"
    subs = charge.subsections
    if len(subs) > FLAT_SUBSECTIONS:
        return f"charge({_charge_args(charge)})"
    head = f"code({body_term(charge.body or '')}, {quote(charge.section or '')}"
    return head + "".join(f", {quote(s)}" for s in subs) + ")"


def _day_or_none(value: date | None) -> str:
    return str(to_yyyymmdd(value)) if value else "none"


def _packed_conviction(pid: str, conv: Conviction) -> Iterable[str]:
    cid = quote(conv.conviction_id)
    agency = conv.arrest_agency
    agency_term = f"agency({quote(agency.kind)}, {quote(agency.place)})" if agency.place else "none"
    yield (
        f"packed_conviction({cid}, {pid}, {quote(conv.case_id)}, "
        f"{_day_or_none(conv.disposition_date)}, {_day_or_none(conv.arrest_date)}, "
        f"{packed_charge_term(conv.charge)}, {conv.level.value if conv.level else 'none'}, "
        f"{agency_term})."
    )
    if conv.offence_date:
        yield f"offence_date({cid}, {to_yyyymmdd(conv.offence_date)})."
    yield from _charge_marks(cid, conv.charge)
    yield from _sentence_facts(cid, conv, packed=True)
    yield from _later_facts(cid, conv)
    yield from _flag_facts(cid, conv)


def _person_marks(pid: str, history: History) -> Iterable[str]:
    """``deceased/2``, ``person_flag/2`` and ``rejected_line/3``."""
    if history.person.deceased_date:
        yield f"deceased({pid}, {to_yyyymmdd(history.person.deceased_date)})."
    for flag in history.flags:
        yield f"person_flag({pid}, {flag})."
    for rows in history.rejected_rows:
        file = quote(rows.file)
        for line in rows.lines:
            yield f"rejected_line({pid}, {file}, {line})."


def _registration_facts(pid: str, history: History) -> Iterable[str]:
    for reg in history.registrations:
        if reg.charge.parsed and reg.date:
            yield (
                f"registration({pid}, {body_term(reg.charge.body or '')}, "
                f"{quote(reg.charge.section or '')}, {to_yyyymmdd(reg.date)})."
            )


def packed_facts(history: History) -> str:
    """The facts the rules read, packed as the bulk run grounds them.

    One ``packed_person/2``, ``packed_case/7`` and ``packed_conviction/8`` fact stands for
    the single-valued plain facts of each, one ``packed_sentence/5`` for a timed sentence
    part and its end (``programs/core/packed_facts.lp`` unpacks them);
    descriptive facts and those no rule reads (``raw_charge/2``, ``arrest/2``,
    ``arrest_on/2``, ``dismissed_count/3``) are left out. The same answer as
    :func:`history_facts` (``tests/test_packed_facts.py``), for half clingo's reading time.
    """
    person = history.person
    pid = quote(person.subject_id)
    lines = [f"packed_person({pid}, {_day_or_none(person.birth_date)})."]
    lines.extend(_person_marks(pid, history))
    for case in sorted(history.cases, key=lambda k: k.case_id):
        court = case.court
        cycle = case_cycle(person.subject_id, case)
        place = f"{quote(court.kind)}, {quote(court.place)}" if court.place else "none, none"
        lines.append(
            f"packed_case({quote(case.case_id)}, {pid}, {quote(case.county)}, "
            f"{quote(court.description)}, {place}, {quote(cycle) if cycle else 'none'})."
        )
    for conv in history.convictions:
        lines.extend(_packed_conviction(pid, conv))
    lines.extend(_registration_facts(pid, history))
    return "\n".join(lines) + "\n"


def history_facts(history: History, *, descriptive: bool = True) -> str:
    """All facts of one person, one per line.

    ``descriptive`` adds facts no rule needs but a reader likes (``raw_charge/2``);
    the bulk run leaves them out to keep the solver's symbol table small.
    """
    person = history.person
    pid = quote(person.subject_id)
    lines = [f"person({pid})."]
    if person.birth_date:
        lines.append(f"birth({pid}, {to_yyyymmdd(person.birth_date)}).")
    lines.extend(_person_marks(pid, history))
    for case in sorted(history.cases, key=lambda k: k.case_id):
        court = case.court
        lines.append(
            f"case({quote(case.case_id)}, {pid}, {quote(case.county)}, {quote(court.description)})."
        )
        if court.place:
            lines.append(
                f"court({quote(case.case_id)}, {quote(court.kind)}, {quote(court.place)})."
            )
        cycle = case_cycle(person.subject_id, case)
        if cycle:
            lines.append(f"cycle({quote(case.case_id)}, {quote(cycle)}).")
    for conv in history.convictions:
        lines.extend(_conviction_facts(pid, conv, descriptive))
    for arrest in sorted(history.arrests, key=lambda a: a.arrest_id):
        aid = quote(arrest.arrest_id)
        lines.append(f"arrest({aid}, {pid}).")
        if arrest.date:
            lines.append(f"arrest_on({aid}, {to_yyyymmdd(arrest.date)}).")
        lines.extend(f"arrest_disposition({aid}, {code})." for code in arrest.dispositions)
    for dismissal in sorted(history.dismissals, key=lambda d: d.count_id):
        did = quote(dismissal.count_id)
        lines.append(f"dismissed_count({did}, {pid}, {quote(dismissal.case_id)}).")
    lines.extend(_registration_facts(pid, history))
    return "\n".join(lines) + "\n"
