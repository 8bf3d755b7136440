"""Read hand-written histories and test cases written as clingo facts (``.lp``).

The file holds facts of the schema in ``docs/facts.md``, optionally run settings
(``as_of/1``, ``policy/1``, ``policy_param/2``, ``scope_county/1``) and, in test cases,
expectations (``expect/3`` and friends). Anything else is an error with file and line: a
misspelt predicate must never make a test that cannot fail.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import clingo
from clingo import ast

from cmr_reason.facts.dates import from_yyyymmdd, part_end
from cmr_reason.facts.doj.vocabulary import ARREST_DISPOSITION_CODES as ARREST_CODES
from cmr_reason.facts.doj.vocabulary import LATER_DISPOSITION_KINDS
from cmr_reason.facts.errors import UserError
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

HISTORY_PREDICATES = {
    ("person", 1), ("birth", 2), ("deceased", 2), ("person_flag", 2), ("registration", 4),
    ("case", 4), ("court", 3), ("conviction", 3), ("disposition_date", 2), ("arrest_date", 2),
    ("offence_date", 2), ("charge", 4), ("charge_unparsed", 1), ("raw_charge", 2),
    ("attempt", 1), ("conspiracy", 1), ("target_charge", 4), ("level", 2),
    ("arrest_agency", 3), ("sentence", 4), ("sentence", 2), ("sentence_part_end", 5),
    ("later_disposition", 3), ("data_flag", 2), ("arrest", 2), ("arrest_on", 2),
    ("arrest_disposition", 2),
    ("dismissed_count", 3), ("cycle", 2), ("rejected_line", 3),
}  # fmt: skip
# Predicates that were input once and are now worked out by the programs: what to write instead.
RETIRED_PREDICATES = {
    ("sentence_end", 2): "the programs work out when a sentence ends from its parts "
    "(sentence/4 and the disposition date; programs/core/sentence.lp): remove it, or give a "
    "part's own end with sentence_part_end(C, Kind, Length, Unit, D)",
}
# Reviewer decisions (docs/review.md) are run settings too: a case may hold them.
SETTING_PREDICATES = {
    ("as_of", 1), ("policy", 1), ("policy_param", 2), ("scope_county", 1),
    ("reviewer_decision", 7), ("reviewer_note", 2), ("remedy", 1),
}  # fmt: skip
EXPECT_PREDICATES = {
    ("expect", 3), ("expect_statutory", 3), ("expect_rule", 2), ("expect_rule", 3),
    ("expect_flag", 2), ("expect_no_flag", 2),
    ("expect_alternative", 3), ("expect_no_alternative", 1),
    # a remedy beside Prop 64 (reasoner/engine/remedy_cases.py): expect_remedy(R, C, O, Reason)...
    ("expect_remedy", 4), ("expect_eligible_on", 3), ("expect_objection_deadline", 3),
    ("expect_missing_fact", 3), ("expect_remedy_rule", 3), ("expect_stays_true", 3),
    ("expect_reviewer_decides", 3), ("expect_remedy_flag", 3),
}  # fmt: skip
HEADER = re.compile(r"^%\s*(name|cite|source|policy-source)\s*:\s*(.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    """One fact of the file and its line."""

    symbol: clingo.Symbol
    line: int


@dataclass
class LpDocument:
    """What an ``.lp`` file holds, split by role."""

    path: Path
    histories: list[History] = field(default_factory=list)
    settings: list[Fact] = field(default_factory=list)
    expectations: list[Fact] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    history_lines: list[int] = field(default_factory=list)

    def setting(self, name: str) -> list[clingo.Symbol]:
        """The arguments-bearing settings facts named ``name``."""
        return [f.symbol for f in self.settings if f.symbol.name == name]

    def as_of(self) -> int | None:
        """The file's first ``as_of/1`` as written (``YYYYMMDD``), if it names one as a number."""
        found = self.setting("as_of")
        day = found[0].arguments[0] if found else None
        return day.number if day is not None and day.type is clingo.SymbolType.Number else None

    def policy(self) -> str | None:
        """The policy the file names (``policy/1``), if it names one."""
        policies = self.setting("policy")
        return _text(policies[0].arguments[0]) if policies else None

    def scope_county(self) -> str:
        """The county the file scopes its policy to (``scope_county/1``), or ``""``."""
        county = self.setting("scope_county")
        return _text(county[0].arguments[0]) if county else ""

    def setting_facts(self) -> str:
        """The file's settings the programs read as facts, as text.

        Its policy's parameters (``policy_param/2``) and reviewers' decisions and notes
        (docs/review.md).
        """
        params = "".join(
            f"policy_param({f.arguments[0]}, {f.arguments[1]}).\n"
            for f in self.setting("policy_param")
        )
        return params + "".join(
            f"{f}.\n" for name in ("reviewer_decision", "reviewer_note") for f in self.setting(name)
        )


def _error(path: Path, line: int, message: str) -> UserError:
    return UserError(f"{path}:{line}: {message}")


_IGNORED = {
    ast.ASTType.Program,
    *(getattr(ast.ASTType, n) for n in ("Comment",) if hasattr(ast.ASTType, n)),
}


def _parse_facts(path: Path, text: str) -> list[Fact]:
    facts: list[Fact] = []
    problems: list[str] = []

    def on_statement(stmt: ast.AST) -> None:
        line = stmt.location.begin.line
        if stmt.ast_type in _IGNORED:
            return
        if stmt.ast_type != ast.ASTType.Rule or len(stmt.body) != 0:
            problems.append(f"{path}:{line}: only facts are allowed here, found: {stmt}")
            return
        head = stmt.head
        if head.ast_type != ast.ASTType.Literal or head.sign != ast.Sign.NoSign:
            problems.append(f"{path}:{line}: not a plain fact: {stmt}")
            return
        try:
            symbol = clingo.parse_term(str(head.atom))
        except (RuntimeError, ValueError):
            problems.append(f"{path}:{line}: fact is not ground: {stmt}")
            return
        facts.append(Fact(symbol, line))

    messages: list[str] = []
    try:
        ast.parse_string(text, on_statement, logger=lambda _c, m: messages.append(m))
    except RuntimeError:
        detail = messages[0].strip().replace("<string>", str(path)) if messages else "syntax error"
        raise UserError(f"cannot parse {path}: {detail}") from None
    if problems:
        raise UserError(problems[0])
    return facts


def _text(sym: clingo.Symbol) -> str:
    """A string or constant argument as text."""
    if sym.type is clingo.SymbolType.String:
        return sym.string
    return str(sym)


def _date(sym: clingo.Symbol, path: Path, line: int) -> dt.date:
    if sym.type is not clingo.SymbolType.Number:
        raise _error(path, line, f"a date must be an integer YYYYMMDD, got {sym}")
    value = sym.number
    if not 10000101 <= value <= 99991231:
        raise _error(path, line, f"a date must have 8 digits YYYYMMDD, got {value}")
    try:
        return from_yyyymmdd(value)
    except ValueError:
        raise _error(path, line, f"impossible date {value}") from None


def _length(sym: clingo.Symbol, path: Path, line: int) -> None:
    if sym.type is not clingo.SymbolType.Number:
        raise _error(path, line, f"a sentence length must be a number, got {sym}")


def _subs(sym: clingo.Symbol, path: Path, line: int) -> tuple[str, ...]:
    if sym.type is not clingo.SymbolType.Function or sym.name:
        raise _error(path, line, f'subsections must be a tuple like ("a",) or (), got {sym}')
    return tuple(_text(a).lower() for a in sym.arguments)


def _charge(
    args: list[clingo.Symbol],
    raw: str,
    path: Path,
    line: int,
    *,
    attempt: bool = False,
    conspiracy: bool = False,
) -> Charge:
    body, section, subs = _text(args[0]).lower(), _text(args[1]), _subs(args[2], path, line)
    return Charge(
        raw=raw,
        body=body,
        section=section,
        subsections=subs,
        attempt=attempt,
        conspiracy=conspiracy,
    )


@dataclass
class _Builder:
    """Collects the facts of one file into histories."""

    path: Path
    by_key: dict[tuple[str, int], list[Fact]] = field(default_factory=lambda: defaultdict(list))

    def add(self, fact: Fact) -> None:
        sym = fact.symbol
        self.by_key[(sym.name, len(sym.arguments))].append(fact)

    def of(self, name: str, arity: int) -> list[Fact]:
        return self.by_key.get((name, arity), [])

    def keyed(self, name: str, arity: int) -> dict[str, list[Fact]]:
        """Facts of a predicate grouped by their first argument (an id); computed once."""
        cache = self.__dict__.setdefault("_keyed", {})
        found = cache.get((name, arity))
        if found is None:
            found = defaultdict(list)
            for fact in self.of(name, arity):
                found[_text(fact.symbol.arguments[0])].append(fact)
            cache[(name, arity)] = found
        return found

    def one_date(self, name: str, key: str) -> dt.date | None:
        facts = self.keyed(name, 2).get(key, [])
        return _date(facts[0].symbol.arguments[1], self.path, facts[0].line) if facts else None

    def sentence_parts(
        self,
        cid: str,
        timed: list[Fact],
        bare: list[Fact],
        disposition: dt.date | None,
    ) -> list[SentencePart]:
        """A conviction's sentence parts, each timed one with its end.

        The end is as ``sentence_part_end/5`` gives it, else the disposition date plus the
        part's length (``dates.py``).
        """
        given: dict[tuple[str, int, str], list[Fact]] = defaultdict(list)
        for fact in self.keyed("sentence_part_end", 5).get(cid, []):
            args = fact.symbol.arguments
            _length(args[2], self.path, fact.line)
            given[(_text(args[1]), args[2].number, _text(args[3]))].append(fact)
        parts = []
        for fact in timed:
            args = fact.symbol.arguments
            _length(args[2], self.path, fact.line)
            kind, length, unit = _text(args[1]), args[2].number, _text(args[3])
            stated = given.get((kind, length, unit))
            end: dt.date | None
            if stated:
                end_fact = stated.pop(0)
                end = _date(end_fact.symbol.arguments[4], self.path, end_fact.line)
            else:
                end = part_end(disposition, length, unit)
            parts.append(
                SentencePart(kind=kind, length=length, unit=unit, end=end, source_line=fact.line)
            )
        for leftover in (f for facts in given.values() for f in facts):
            raise _error(self.path, leftover.line, "sentence_part_end without its sentence/4 part")
        parts += [SentencePart(kind=_text(f.symbol.arguments[1]), source_line=f.line) for f in bare]
        return parts

    def later_dispositions(self, cid: str) -> tuple[LaterDisposition, ...]:
        """The ``later_disposition/3`` facts of a conviction, in date order."""
        found = []
        for fact in self.keyed("later_disposition", 3).get(cid, []):
            args = fact.symbol.arguments
            kind = _text(args[1])
            constant = args[1].type is clingo.SymbolType.Function
            if kind not in LATER_DISPOSITION_KINDS or not constant:
                valid = ", ".join(LATER_DISPOSITION_KINDS)
                raise _error(
                    self.path, fact.line, f"unknown later disposition {args[1]}; one of: {valid}"
                )
            date = _date(args[2], self.path, fact.line)
            found.append(LaterDisposition(kind=kind, date=date, source_line=fact.line))
        unique = {(d.date, d.kind): d for d in found}
        return tuple(unique[key] for key in sorted(unique))

    def arrest_dispositions(self, aid: str) -> tuple[str, ...]:
        """The ``arrest_disposition/2`` codes of an arrest, each once, in the file's order."""
        found = []
        for fact in self.keyed("arrest_disposition", 2).get(aid, []):
            code = fact.symbol.arguments[1]
            if code.type is not clingo.SymbolType.Function or str(code) not in ARREST_CODES:
                valid = ", ".join(ARREST_CODES)
                raise _error(self.path, fact.line, f"unknown arrest disposition {code}; one of: "
                             f"{valid}")  # fmt: skip
            found.append(str(code))
        return tuple(dict.fromkeys(found))

    def check_ids(self, cases: dict[str, Fact]) -> None:
        """One fact a case, conviction or arrest id, of one person: else a clear error.

        The programs key every fact by these ids, so two people's convictions under one id
        (or one case id for two cases) would be decided as one; the file is refused instead.
        """
        path = self.path
        for name, arity in (("case", 4), ("conviction", 3), ("arrest", 2)):
            seen: dict[str, Fact] = {}
            for fact in self.of(name, arity):
                key = _text(fact.symbol.arguments[0])
                first = seen.setdefault(key, fact)
                if first is fact or (name == "case" and first.symbol == fact.symbol):
                    continue
                owners = {_text(f.symbol.arguments[1]) for f in (first, fact)}
                whose = (
                    f"to two people ({', '.join(repr(o) for o in sorted(owners))})"
                    if len(owners) > 1
                    else "twice"
                )
                raise _error(
                    path, fact.line, f"{name} id {key!r} is given {whose}, first on line "
                    f"{first.line}: give each {name} its own id",
                )  # fmt: skip
        for fact in self.of("conviction", 3):  # ``cases``: each case id's (one) fact
            pid, kid = _text(fact.symbol.arguments[1]), _text(fact.symbol.arguments[2])
            case = cases.get(kid)
            if case is not None and _text(case.symbol.arguments[1]) != pid:
                raise _error(
                    path, fact.line, f"conviction of {pid!r} in case {kid!r}, which is "
                    f"{_text(case.symbol.arguments[1])!r}'s (line {case.line})",
                )  # fmt: skip

    def histories(self) -> list[History]:
        path = self.path
        people = {_text(f.symbol.arguments[0]): f for f in self.of("person", 1)}
        births = self.keyed("birth", 2)
        deaths = self.keyed("deceased", 2)
        person_flags = self.keyed("person_flag", 2)
        rejected = self.keyed("rejected_line", 3)
        cases = {_text(f.symbol.arguments[0]): f for f in self.of("case", 4)}
        cases_of: dict[str, set[str]] = defaultdict(set)
        for kid, kfact in cases.items():
            cases_of[_text(kfact.symbol.arguments[1])].add(kid)
        courts = self.keyed("court", 3)
        cycles = self.keyed("cycle", 2)
        charges = self.keyed("charge", 4)
        raws = self.keyed("raw_charge", 2)
        targets = self.keyed("target_charge", 4)
        levels = self.keyed("level", 2)
        agencies = self.keyed("arrest_agency", 3)
        sentences = self.keyed("sentence", 4)
        bare_sentences = self.keyed("sentence", 2)
        data_flags = self.keyed("data_flag", 2)
        attempts = self.keyed("attempt", 1)
        conspiracies = self.keyed("conspiracy", 1)
        unparsed = self.keyed("charge_unparsed", 1)
        registrations = self.keyed("registration", 4)
        arrest_dates = self.keyed("arrest_on", 2)
        convictions_of: dict[str, list[Fact]] = defaultdict(list)
        for fact in self.of("conviction", 3):
            convictions_of[_text(fact.symbol.arguments[1])].append(fact)
        arrests_of: dict[str, list[Fact]] = defaultdict(list)
        for fact in self.of("arrest", 2):
            arrests_of[_text(fact.symbol.arguments[1])].append(fact)
        dismissals_of: dict[str, list[Fact]] = defaultdict(list)
        for fact in self.of("dismissed_count", 3):
            dismissals_of[_text(fact.symbol.arguments[1])].append(fact)
        self.check_ids(cases)
        for owner in (*convictions_of, *arrests_of, *dismissals_of):
            if owner not in people:
                line = convictions_of.get(owner) or arrests_of.get(owner) or dismissals_of[owner]
                raise _error(path, line[0].line, f"person {owner!r} has no person/1 fact")
        arrest_ids = {_text(f.symbol.arguments[0]) for f in self.of("arrest", 2)}
        for fact in self.of("arrest_disposition", 2):
            if _text(fact.symbol.arguments[0]) not in arrest_ids:
                raise _error(path, fact.line, "arrest_disposition without its arrest/2 fact")
        conviction_ids = {_text(f.symbol.arguments[0]) for f in self.of("conviction", 3)}
        for name in ("later_disposition", "sentence_part_end"):
            for fact in self.of(name, 3 if name == "later_disposition" else 5):
                cid = _text(fact.symbol.arguments[0])
                if cid not in conviction_ids:
                    raise _error(
                        path, fact.line, f"{name} of {cid!r}, which has no conviction/3 fact"
                    )

        def court_of(key: str) -> Court:
            found = courts.get(key)
            if not found:
                return (
                    Court(description=_text(cases[key].symbol.arguments[3]))
                    if key in cases
                    else Court()
                )
            args = found[0].symbol.arguments
            kind, place = _text(args[1]), _text(args[2])
            return Court(description=f"{kind} {place}".strip(), kind=kind, place=place)

        result = []
        for pid in sorted(people):
            pfact = people[pid]
            birth = births.get(pid, [])
            flags = [str(f.symbol.arguments[1]) for f in person_flags.get(pid, [])]
            if len(birth) > 1:
                flags.append("conflicting_birth_date")
            person = Person(
                subject_id=pid,
                birth_date=_date(birth[0].symbol.arguments[1], path, birth[0].line)
                if len(birth) == 1
                else None,
                deceased_date=_date(deaths[pid][0].symbol.arguments[1], path, deaths[pid][0].line)
                if pid in deaths
                else None,
                source=Source(file=str(path), lines=(pfact.line,)),
                birth_sources=tuple(Source(file=str(path), lines=(b.line,)) for b in birth)
                if len(birth) > 1
                else (),
            )
            convictions = []
            case_ids: set[str] = set()
            for cfact in convictions_of.get(pid, []):
                cid, kid = _text(cfact.symbol.arguments[0]), _text(cfact.symbol.arguments[2])
                case_ids.add(kid)
                raw = _text(raws[cid][0].symbol.arguments[1]) if cid in raws else ""
                attempt, conspiracy = cid in attempts, cid in conspiracies
                if cid in charges:
                    cf = charges[cid][0]
                    args = list(cf.symbol.arguments[1:])
                    target = None
                    if cid in targets:
                        tf = targets[cid][0]
                        target = _charge(list(tf.symbol.arguments[1:]), "", path, tf.line)
                    charge = _charge(
                        args, raw, path, cf.line, attempt=attempt, conspiracy=conspiracy
                    ).model_copy(update={"target": target})
                    if not raw:
                        charge = charge.model_copy(update={"raw": charge.code_section()})
                elif cid in unparsed:
                    charge = Charge(
                        raw=raw or "(unreadable)", attempt=attempt, conspiracy=conspiracy
                    )
                else:
                    raise _error(path, cfact.line, f"conviction {cid!r} has no charge/4 fact")
                level = None
                if cid in levels:
                    lf = levels[cid][0]
                    try:
                        level = Level(_text(lf.symbol.arguments[1]))
                    except ValueError:
                        raise _error(
                            path, lf.line, f"unknown level {lf.symbol.arguments[1]}"
                        ) from None
                disposition = self.one_date("disposition_date", cid)
                parts = self.sentence_parts(
                    cid, sentences.get(cid, []), bare_sentences.get(cid, []), disposition
                )
                cflag_list = [str(f.symbol.arguments[1]) for f in data_flags.get(cid, [])]
                conflicts = [  # lines of the facts that disagree, or that say so
                    f.line
                    for f in data_flags.get(cid, [])
                    if str(f.symbol.arguments[1]) in ("conflicting_dates", "conflicting_count_rows")
                ]
                for pred in ("disposition_date", "arrest_date", "offence_date"):
                    found = self.keyed(pred, 2).get(cid, [])
                    if len({str(f.symbol) for f in found}) > 1:
                        cflag_list.append("conflicting_dates")
                        conflicts += [f.line for f in found]
                for key in ("charge", "level"):
                    table = charges if key == "charge" else levels
                    if len({str(f.symbol) for f in table.get(cid, [])}) > 1:
                        cflag_list.append("conflicting_count_rows")
                        conflicts += [f.line for f in table[cid]]
                agency = Court()
                if cid in agencies:
                    aargs = agencies[cid][0].symbol.arguments
                    kind, place = _text(aargs[1]), _text(aargs[2])
                    agency = Court(description=f"{kind} {place}".strip(), kind=kind, place=place)
                county = _text(cases[kid].symbol.arguments[2]) if kid in cases else ""
                convictions.append(
                    Conviction(
                        conviction_id=cid,
                        case_id=kid,
                        count_order=cid,
                        charge=charge,
                        level=level,
                        disposition_date=disposition,
                        arrest_date=self.one_date("arrest_date", cid),
                        offence_date=self.one_date("offence_date", cid),
                        county=county,
                        court=court_of(kid),
                        arrest_agency=agency,
                        sentence=tuple(parts),
                        later_dispositions=self.later_dispositions(cid),
                        flags=tuple(dict.fromkeys(cflag_list)),
                        source=Source(file=str(path), lines=(cfact.line,)),
                        conflict_sources=tuple(
                            Source(file=str(path), lines=(line,)) for line in sorted(conflicts)
                        ),
                    )
                )
            court_cases = []
            for kid in sorted(case_ids | cases_of.get(pid, set())):
                kf = cases.get(kid)
                court_cases.append(
                    CourtCase(
                        case_id=kid,
                        county=_text(kf.symbol.arguments[2]) if kf else "",
                        court=court_of(kid),
                        cycle=_text(cycles[kid][0].symbol.arguments[1]) if kid in cycles else "",
                        source=Source(file=str(path), lines=(kf.line,) if kf else ()),
                    )
                )
            arrests = [
                Arrest(
                    arrest_id=_text(f.symbol.arguments[0]),
                    date=self.one_date("arrest_on", _text(f.symbol.arguments[0]))
                    if _text(f.symbol.arguments[0]) in arrest_dates
                    else None,
                    dispositions=self.arrest_dispositions(_text(f.symbol.arguments[0])),
                    source=Source(file=str(path), lines=(f.line,)),
                )
                for f in arrests_of.get(pid, [])
            ]
            dismissals = [
                Dismissal(
                    count_id=_text(f.symbol.arguments[0]),
                    case_id=_text(f.symbol.arguments[2]),
                    charge=Charge(raw=""),
                    disposition="DISMISSED",
                    source=Source(file=str(path), lines=(f.line,)),
                )
                for f in dismissals_of.get(pid, [])
            ]
            regs = []
            for f in registrations.get(pid, []):
                rargs = f.symbol.arguments
                body, section = _text(rargs[1]).lower(), _text(rargs[2])
                regs.append(
                    Registration(
                        charge=Charge(raw=f"{section} {body.upper()}", body=body, section=section),
                        date=_date(rargs[3], path, f.line),
                        source=Source(file=str(path), lines=(f.line,)),
                    )
                )
            convictions.sort(key=lambda c: (c.disposition_date or dt.date.min, c.conviction_id))
            result.append(
                History(
                    person=person,
                    cases=tuple(court_cases),
                    convictions=tuple(convictions),
                    arrests=tuple(arrests),
                    dismissals=tuple(dismissals),
                    registrations=tuple(regs),
                    flags=tuple(flags),
                    rejected_rows=_rejected_rows(rejected.get(pid, []), path),
                )
            )
        return result


def _rejected_rows(facts: list[Fact], path: Path) -> tuple[Source, ...]:
    """``rejected_line(P, File, Line)`` facts as one source a file, files and lines in order."""
    by_file: dict[str, set[int]] = defaultdict(set)
    for fact in facts:
        file, line = fact.symbol.arguments[1:]
        if file.type is not clingo.SymbolType.String or line.type is not clingo.SymbolType.Number:
            raise _error(
                path, fact.line, "rejected_line/3 needs a file name string and a line number"
            )
        by_file[file.string].add(line.number)
    return tuple(Source(file=f, lines=tuple(sorted(by_file[f]))) for f in sorted(by_file))


def _suggest(name: str, arity: int) -> str:
    known = [f"{n}/{a}" for n, a in HISTORY_PREDICATES | SETTING_PREDICATES | EXPECT_PREDICATES]
    close = difflib.get_close_matches(f"{name}/{arity}", known, n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def read_lp(path: Path | str) -> LpDocument:
    """Read a history or test-case file. Raises :class:`UserError` on any unknown fact."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"file not found: {path}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    doc = LpDocument(path=path)
    for raw_line in text.splitlines():
        match = HEADER.match(raw_line)
        if match:
            doc.header.setdefault(match.group(1).lower(), match.group(2))
    builder = _Builder(path)
    for fact in _parse_facts(path, text):
        key = (fact.symbol.name, len(fact.symbol.arguments))
        if key in HISTORY_PREDICATES:
            builder.add(fact)
            doc.history_lines.append(fact.line)
        elif key in SETTING_PREDICATES:
            doc.settings.append(fact)
        elif key in EXPECT_PREDICATES:
            doc.expectations.append(fact)
        elif key in RETIRED_PREDICATES:
            raise _error(path, fact.line, f"{key[0]}/{key[1]}: {RETIRED_PREDICATES[key]}")
        else:
            raise _error(path, fact.line, f"unknown predicate {key[0]}/{key[1]}{_suggest(*key)}")
    doc.histories = builder.histories()
    return doc
