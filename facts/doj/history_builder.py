"""Build one subject's :class:`History` from the DOJ rows kept by the reader.

Items are ordered by date then id (an unknown date sorts last), sentence parts by their
DOJ order, so the output does not depend on the order of the input rows. Values that the
rows of one count or one person disagree on are flagged, never silently resolved.

The reader has already validated and typed every value, so the models are built without a
second validation (:func:`_make`, what pydantic's ``model_construct`` does for these plain
frozen models, at a third of its cost: a bulk run builds millions of them);
``tests/test_doj_stream.py`` checks that validating the result changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import attrgetter
from typing import Any, TypeVar

from pydantic import BaseModel

from cmr_reason.facts.charge_normaliser import find_charge, normalise_charge
from cmr_reason.facts.dates import from_yyyymmdd, part_end
from cmr_reason.facts.doj import vocabulary as vocab
from cmr_reason.facts.doj.rows import (
    ArrestRow,
    CourtRow,
    EventRow,
    Subject,
    count_flags,
    order_key,
)
from cmr_reason.facts.history import (
    Arrest,
    Charge,
    Conviction,
    Court,
    CourtCase,
    Dismissal,
    History,
    LaterDisposition,
    Level,
    Person,
    Registration,
    SentencePart,
    Source,
)

M = TypeVar("M", bound=BaseModel)
_TEMPLATES: dict[type, dict[str, Any]] = {}
_MISSING = object()
# The slots every pydantic model has, set straight through their descriptors.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def _template(cls: type[BaseModel]) -> dict[str, Any]:
    """The field defaults of ``cls`` in field order (``_MISSING`` for a required field)."""
    return {
        name: _MISSING if info.is_required() else info.get_default(call_default_factory=True)
        for name, info in cls.__pydantic_fields__.items()
    }


def _make(cls: type[M], **values: Any) -> M:
    """A model from trusted values, as ``cls.model_construct(**values)`` builds it.

    For models without aliases, private attributes or post-init hooks (all of
    :mod:`cmr_reason.facts.history`), given only field names: the field defaults are
    looked up once per class, and the merged dict keeps the field order.
    """
    template = _TEMPLATES.get(cls)
    if template is None:
        template = _TEMPLATES[cls] = _template(cls)
    model = cls.__new__(cls)
    _set_dict(model, {**template, **values})
    _set_fields_set(model, set(values))
    _set_extra(model, None)
    _set_private(model, None)
    return model


_AGENCY_KIND = re.compile(r"[A-Z]{4}")
_LAST = dt.date.max
_by_file_line = attrgetter("file", "line")
_by_count_order = attrgetter("count_order", "line")
_LEVEL_OF = {level.value: level for level in Level}
_NO_AGENCY = Court()  # frozen: one shared copy for every conviction without an arrest


@lru_cache(maxsize=1 << 16)
def as_date(value: int | None) -> dt.date | None:
    """A ``YYYYMMDD`` integer (already validated) as a date."""
    if value is None:
        return None
    return from_yyyymmdd(value)


@lru_cache(maxsize=1 << 14)
def parse_court(code: str, description: str) -> Court:
    """Split an ORI description such as ``CASC LOS ANGELES`` into kind and place."""
    kind, _, place = description.partition(" ")
    if not (_AGENCY_KIND.fullmatch(kind) and place.strip()):
        kind, place = "", description
    return _make(Court, code=code, description=description, kind=kind, place=place.strip())


def _source(files: Sequence[str], rows: Sequence[CourtRow | ArrestRow | EventRow]) -> Source:
    """The file of the first row and the lines of the rows from that file."""
    file = rows[0].file
    if len(rows) == 1:
        return _make(Source, file=files[file], lines=(rows[0].line,))
    lines = sorted([r.line for r in rows if r.file == file])
    return _make(Source, file=files[file], lines=tuple(lines))


def _charge(row: CourtRow) -> Charge:
    """The count's charge; a conspiracy's target may be written in the comment."""
    charge = normalise_charge(row.charge_text)
    if charge.conspiracy and charge.target is None and row.charge_column != "COMMENT_TEXT":
        target = find_charge(row.comment)
        if target is not None:
            charge = charge.model_copy(update={"target": target})
    return charge


def _sentence(rows: Iterable[CourtRow], disposition: dt.date | None) -> tuple[SentencePart, ...]:
    """The sentence parts in DOJ order, each with its calendar end (``facts/dates.py``)."""
    ordered = [r for r in rows if r.convicted and r.sent_kind]
    if len(ordered) > 1:
        ordered.sort(
            key=lambda r: (order_key(r.sent_order), r.sent_kind, r.sent_length or 0, r.line)
        )
    return tuple(
        [
            _make(
                SentencePart,
                kind=r.sent_kind,
                length=r.sent_length,
                unit=r.sent_unit,
                end=part_end(disposition, r.sent_length, r.sent_unit),
                source_line=r.line,
            )
            for r in ordered
        ]
    )


def _later(rows: Iterable[CourtRow]) -> tuple[LaterDisposition, ...]:
    """The count's later updates, dated by ``DISP_DATE``, else ``STP_EVENT_DATE``."""
    found = {
        (r.update, r.disp_date if r.disp_date else r.step_date): r.line for r in rows if r.update
    }
    return tuple(
        _make(LaterDisposition, kind=kind, date=as_date(date), source_line=line)
        for (kind, date), line in sorted(found.items(), key=lambda item: (item[0][1], item[0][0]))
    )


def _arrests_by_cycle(
    sid: str, subject: Subject, files: Sequence[str]
) -> tuple[list[Arrest], dict[str, Arrest]]:
    arrests = []
    first_of_cycle: dict[str, Arrest] = {}
    for step in sorted(subject.arrests):
        rows = subject.arrests[step]
        head = rows[0]
        by_count = sorted(rows, key=_by_count_order)
        arrest = _make(
            Arrest,
            arrest_id=f"{sid}:{step}",
            date=as_date(head.step_date),
            county=head.county,
            agency=parse_court(head.ori_code, head.ori_descr),
            charges=tuple([normalise_charge(r.charge_text) for r in by_count]),
            dispositions=_arrest_dispositions(by_count),
            source=_source(files, rows),
        )
        arrests.append(arrest)
        first_of_cycle.setdefault(step[:3], arrest)
    arrests.sort(key=lambda a: (a.date or _LAST, a.arrest_id))
    return arrests, first_of_cycle


def _arrest_dispositions(rows: Sequence[ArrestRow]) -> tuple[str, ...]:
    """The codes of what an arrest step's counts record of its end, each once, in count order."""
    codes = (vocab.arrest_disposition(r.disposition) for r in rows)
    return tuple(dict.fromkeys(c for c in codes if c is not None))


def _dismissal(sid: str, cnt: str, rows: list[CourtRow], files: Sequence[str]) -> Dismissal:
    first = rows[0]
    return _make(
        Dismissal,
        count_id=f"{sid}:{cnt}",
        case_id=f"{sid}:{cnt[:6]}",
        charge=normalise_charge(first.charge_text),
        disposition=first.disposition,
        date=as_date(first.step_date if first.step_date else first.disp_date),
        source=_source(files, rows),
    )


def _conviction(
    sid: str,
    cnt: str,
    rows: list[CourtRow],
    convicted: list[CourtRow],
    context: tuple[Subject, Sequence[str], dict[str, Arrest], dict[str, tuple[str, ...]]],
) -> Conviction:
    """A convicted count: ``context`` is the subject, files, arrests and case numbers."""
    subject, files, first_of_cycle, numbers = context
    first = convicted[0]
    flags = count_flags(rows, first, cnt in subject.rejected_counts)
    disposition_date = as_date(first.step_date if first.step_date else first.disp_date)
    if disposition_date is None:
        flags.append("disposition_date_missing")
    if first.level is None:
        flags.append("level_missing")
    arrest = first_of_cycle.get(cnt[:3])
    arrest_date = arrest.date if arrest and arrest.date else as_date(first.cyc_date)
    return _make(
        Conviction,
        conviction_id=f"{sid}:{cnt}",
        case_id=f"{sid}:{cnt[:6]}",
        count_order=cnt,
        charge=_charge(first),
        level=_LEVEL_OF[first.level] if first.level else None,
        disposition_date=disposition_date,
        arrest_date=arrest_date,
        county=first.county,
        court=parse_court(first.ori_code, first.ori_descr),
        arrest_agency=arrest.agency if arrest else _NO_AGENCY,
        arrest_source=arrest.source if arrest and arrest.date else None,
        case_numbers=numbers[cnt[:6]],
        disposition=first.disposition,
        sentence=_sentence(rows, disposition_date),
        later_dispositions=_later(rows),
        flags=tuple(sorted(flags)),
        source=_source(files, rows),
    )


def _cases(
    sid: str, subject: Subject, files: Sequence[str], counts: list[str]
) -> tuple[list[CourtCase], dict[str, tuple[str, ...]]]:
    """The court cases (a count's first six digits) and each case's numbers."""
    case_rows: dict[str, list[CourtRow]] = {}
    for cnt in counts:
        rows = [r for r in subject.counts[cnt] if not r.update]
        if rows:  # a count of updates alone makes no case
            case_rows.setdefault(cnt[:6], []).extend(rows)
    cases = []
    numbers: dict[str, tuple[str, ...]] = {}
    for step, rows in case_rows.items():
        rows.sort(key=_by_file_line)
        head = rows[0]
        numbers[step] = tuple(sorted({n for r in rows for n in (r.ofn, r.crt_case) if n}))
        cases.append(
            _make(
                CourtCase,
                case_id=f"{sid}:{step}",
                date=as_date(head.step_date if head.step_date else head.disp_date),
                county=head.county,
                court=parse_court(head.ori_code, head.ori_descr),
                case_numbers=numbers[step],
                source=_source(files, rows),
            )
        )
    cases.sort(key=lambda k: (k.date or _LAST, k.case_id))
    return cases, numbers


def _court_items(
    sid: str,
    subject: Subject,
    files: Sequence[str],
    first_of_cycle: dict[str, Arrest],
    flags: set[str],
) -> tuple[list[Conviction], list[Dismissal], list[CourtCase]]:
    """Convictions, dismissals and cases of a subject.

    A later update of a count with no conviction flags the person
    (``later_disposition_without_conviction``): never silently dropped.
    """
    counts = sorted(subject.counts)
    cases, numbers = _cases(sid, subject, files, counts)
    context = (subject, files, first_of_cycle, numbers)
    convictions, dismissals = [], []
    for cnt in counts:
        rows = subject.counts[cnt]
        convicted = [r for r in rows if r.convicted]
        if convicted:
            convictions.append(_conviction(sid, cnt, rows, convicted, context))
            continue
        others = [r for r in rows if not r.update]
        if len(others) < len(rows):
            flags.add("later_disposition_without_conviction")
        if others:
            dismissals.append(_dismissal(sid, cnt, others, files))
    convictions.sort(key=lambda c: (c.disposition_date or _LAST, c.conviction_id))
    dismissals.sort(key=lambda d: (d.date or _LAST, d.count_id))
    return convictions, dismissals, cases


def _deceased(subject: Subject, flags: set[str]) -> dt.date | None:
    dates = sorted({r.date for r in subject.deaths if r.date is not None})
    if not subject.deaths:
        return None
    if len(dates) > 1:
        flags.add("conflicting_deceased_date")
        return None
    if not dates:
        flags.add("deceased_date_missing")
        return None
    return as_date(dates[0])


def _birth_sources(subject: Subject, files: Sequence[str]) -> tuple[Source, ...]:
    """The first row of each disagreeing birth date, in file and line order."""
    found = sorted((subject.birth_lines or {}).values())
    return tuple([_make(Source, file=files[f], lines=(line,)) for f, line in found])


def build_history(sid: str, subject: Subject, files: Sequence[str]) -> History:
    """The history of one subject (``files`` maps the rows' file index to its name)."""
    flags = set(subject.flags)
    name, birth, gender, race, race_code, cii = subject.identity
    birth_date = None
    if birth and "conflicting_birth_date" not in flags:
        birth_date = as_date(int(birth))
    first_file, first_line = subject.first or (0, 0)
    person = _make(
        Person,
        subject_id=sid,
        name=name,
        birth_date=birth_date,
        gender=gender,
        race=race,
        race_code=race_code,
        cii=cii,
        deceased_date=_deceased(subject, flags),
        source=_make(Source, file=files[first_file], lines=(first_line,)),
        birth_sources=_birth_sources(subject, files) if "conflicting_birth_date" in flags else (),
    )
    arrests, first_of_cycle = _arrests_by_cycle(sid, subject, files)
    convictions, dismissals, cases = _court_items(sid, subject, files, first_of_cycle, flags)
    registrations = sorted(
        (
            _make(
                Registration,
                charge=normalise_charge(r.charge_text),
                date=as_date(r.date),
                source=_make(Source, file=files[r.file], lines=(r.line,)),
            )
            for r in subject.registrations
        ),
        key=lambda g: (g.date or _LAST, g.charge.raw, g.source.file, g.source.first_line),
    )
    return _make(
        History,
        person=person,
        cases=tuple(cases),
        convictions=tuple(convictions),
        arrests=tuple(arrests),
        dismissals=tuple(dismissals),
        registrations=tuple(registrations),
        flags=tuple(sorted(flags)),
        rejected_rows=_rejected_rows(subject, files),
    )


def _rejected_rows(subject: Subject, files: Sequence[str]) -> tuple[Source, ...]:
    """The subject's rejected lines, one source a file (by name), lines in order."""
    if not subject.rejected_lines:
        return ()
    by_file: dict[str, set[int]] = {}
    for file, line in subject.rejected_lines:
        by_file.setdefault(files[file], set()).add(line)
    return tuple(
        _make(Source, file=name, lines=tuple(sorted(lines)))
        for name, lines in sorted(by_file.items())
    )
