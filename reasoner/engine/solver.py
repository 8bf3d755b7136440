"""Ground and solve many people at once, and read back one decision per conviction.

One clingo control per batch (never one per person): the batch's facts are built as text
and handed to clingo in one call, as ground atoms when they are plain facts
(:mod:`~cmr_reason.reasoner.engine.fact_loader`), then the programs decide every conviction
together. The programs are stratified, so there is exactly one answer set.

Reading the answer back is a large share of a bulk run's time, so :func:`solve_text` can read
*lean*: the programs' bulk view (``programs/views/bulk.lp``) shows only what the output
files use (no ``absent/3``, a conviction's decisions packed into one ``result/8`` atom),
each atom printed once by clingo and parsed here from its text, with the parsed trace of a
rule firing shared by every conviction that has the same one; firings on an ``alt`` branch,
which the view shows, are skipped here.
``tests/test_reference_outputs.py`` checks that lean and full reads give the same output
files.
"""

from __future__ import annotations

import re
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

import clingo

from cmr_reason.facts.calendar_terms import CALENDAR
from cmr_reason.facts.dates import to_yyyymmdd
from cmr_reason.facts.fact_writer import packed_facts, quote
from cmr_reason.facts.history import History
from cmr_reason.facts.remedy_facts import remedy_facts
from cmr_reason.reasoner.engine.decision import Absence, Decision, Firing, Value
from cmr_reason.reasoner.engine.fact_loader import CLINGO_CFFI, add_facts, message_limit
from cmr_reason.reasoner.engine.program_set import ProgramSet
from cmr_reason.reasoner.engine.remedy_atoms import (
    REMEDY_ATOMS,
    REMEDY_PREFIXES,
    is_remedy_conclusion,
)


def to_value(sym: clingo.Symbol) -> Value:
    """A clingo symbol as plain Python: int, str, or (name, *args) for functions/tuples."""
    kind = sym.type
    if kind is clingo.SymbolType.Number:
        return sym.number
    if kind is clingo.SymbolType.String:
        return sym.string
    if kind is clingo.SymbolType.Function:
        if not sym.arguments:
            return sym.name
        return (sym.name, *(to_value(a) for a in sym.arguments))
    return str(sym)


def to_args(sym: clingo.Symbol) -> tuple[tuple[str, Value], ...]:
    """A trace tuple such as ``(age(25), date(20100301))`` as ``(("age", 25), ...)``."""
    pairs: list[tuple[str, Value]] = []
    for item in sym.arguments:
        if item.type is clingo.SymbolType.Function and item.name and len(item.arguments) == 1:
            pairs.append((item.name, to_value(item.arguments[0])))
        elif item.type is clingo.SymbolType.Function and item.name:
            pairs.append((item.name, tuple(to_value(a) for a in item.arguments)))
        else:
            pairs.append(("", to_value(item)))
    return tuple(pairs)


@dataclass
class SolveResult:
    """Decisions by conviction id, plus internal errors and solver messages."""

    decisions: dict[str, Decision] = field(default_factory=dict)
    cannabis_cases: set[str] = field(default_factory=set)
    sealable_cases: set[str] = field(default_factory=set)
    internal_errors: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # facts, ground, solve
    # The remedies beside Prop 64 (reasoner/engine/remedy_decision.py reads them): their shown
    # atoms as text, and their rule firings by conviction id.
    remedy_texts: list[str] = field(default_factory=list)
    remedy_firings: list[tuple[str, Firing]] = field(default_factory=list)


def settings_facts(as_of: date, scope_county: str | None = None) -> str:
    """The run's settings as facts: ``as_of/1`` and, when scoped, ``scope_county/1``."""
    text = f"as_of({to_yyyymmdd(as_of)}).\n"
    if scope_county:
        text += f"scope_county({quote(scope_county)}).\n"
    return text


def absent_settings(scope_county: str | None, extra_facts: str) -> frozenset[tuple[str, int]]:
    """The input predicates a run's settings write no fact of (no scope, no reviews).

    The bulk program can then leave out the rules that need them.
    """
    absent: set[tuple[str, int]] = set()
    if not scope_county:
        absent.add(("scope_county", 1))
    if not extra_facts.strip():
        absent |= {("reviewer_decision", 7), ("reviewer_note", 2)}
    return frozenset(absent)


def _text(sym: clingo.Symbol) -> str:
    return sym.string if sym.type is clingo.SymbolType.String else str(sym)


def _decision(table: dict[str, Decision], cid: str) -> Decision:
    found = table.get(cid)
    if found is None:
        found = table[cid] = Decision(conviction_id=cid)
    return found


def _absorb(sym: clingo.Symbol, result: SolveResult) -> None:
    name = sym.name
    args = sym.arguments
    if name == "internal_error":
        result.internal_errors.append(str(sym))
        return
    if name == "cannabis_case":
        result.cannabis_cases.add(args[0].string)
        return
    if name == "sealable_case":
        result.sealable_cases.add(args[0].string)
        return
    if name in REMEDY_ATOMS:
        result.remedy_texts.append(str(sym))
        return
    cid = args[0].string
    if name == "fired" and is_remedy_conclusion(args[2].name):
        firing = Firing(args[1].string, to_value(args[2]), to_args(args[3]))
        result.remedy_firings.append((cid, firing))
        return
    dec = _decision(result.decisions, cid)
    if name == "fired":
        dec.firings.append(Firing(args[1].string, to_value(args[2]), to_args(args[3])))
    elif name == "decision":
        dec.outcome, dec.reason = args[1].name, args[2].name
    elif name == "statutory_decision":
        dec.statutory_outcome, dec.statutory_reason = args[1].name, args[2].name
    elif name == "decided_by":
        dec.decided_by = args[1].string
    elif name == "statutory_by":
        dec.statutory_by = args[1].string
    elif name == "alternative":
        dec.alternatives.append((args[1].name, str(args[2])))
    elif name == "flag":
        dec.flags.append(str(args[1]))
    elif name == "absent":
        dec.absences.append(Absence(str(args[1]), to_args(args[2])))
    elif name == "record_after":
        dec.record_after = args[1].name
    elif name == "record_before":
        dec.record_before = args[1].name
    elif name == "cannabis_related":
        dec.cannabis_related = True
    elif name == "prosecuting_agency":
        dec.agency = _text(args[1])
    elif name == "review_candidate":
        dec.review_candidates.append(args[1].name)
    elif name == "alternative_by":
        dec.alternative_by[str(args[2])] = args[1].string  # alternative_by(C, Id, Fact)
    elif name == "statute_relief":
        dec.statute_relief = args[1].name
    elif name == "relief_fits":
        dec.relief_options.append(args[1].name)
    elif name in _REFUSALS:
        dec.refused.append((_REFUSALS[name], args[1].name, args[2].name))


_REFUSALS = {"relief_problem": "relief", "ground_problem": "ground", "action_problem": "action"}


# --- Lean reading: parse the printed atoms ----------------------------------------------
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+|#?[A-Za-z_\'][A-Za-z0-9_\']*|[(),]')
_ATOM = re.compile(r'([a-z_]+)\("((?:[^"\\]|\\.)*)"(?:,(.*))?\)$', re.DOTALL)
_ESCAPES = re.compile(r"\\(.)")


def _unquote(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPES.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _parse_terms(text: str) -> list[Value | list]:
    """Comma-separated clingo terms as printed, as :func:`to_value` would give them.

    A function or tuple is kept as ``[name, args]`` until :func:`_as_value` converts it.
    """
    stack: list[list] = [["", []]]
    pending_name: str | None = None
    for token in _TOKEN.findall(text):
        first = token[0]
        if token == "(":
            stack.append([pending_name or "", []])
            pending_name = None
            continue
        if pending_name is not None:  # a constant: a name not followed by "("
            stack[-1][1].append([pending_name, []])
            pending_name = None
        if token == ")":
            done = stack.pop()
            stack[-1][1].append(done)
        elif token == ",":
            continue
        elif first == '"':
            stack[-1][1].append(_unquote(token[1:-1]))
        elif first == "-" or first.isdigit():
            stack[-1][1].append(int(token))
        else:
            pending_name = token
    if pending_name is not None:
        stack[-1][1].append([pending_name, []])
    return stack[0][1]


def _as_value(item: Value | list) -> Value:
    if isinstance(item, list):
        name, args = item
        if not args:
            return name
        return (name, *(_as_value(a) for a in args))
    return item


def _as_args(item: Value | list) -> tuple[tuple[str, Value], ...]:
    pairs: list[tuple[str, Value]] = []
    for arg in item[1] if isinstance(item, list) else ():
        if isinstance(arg, list) and arg[0] and len(arg[1]) == 1:
            pairs.append((arg[0], _as_value(arg[1][0])))
        elif isinstance(arg, list) and arg[0] and arg[1]:
            pairs.append((arg[0], tuple(_as_value(a) for a in arg[1])))
        else:
            pairs.append(("", _as_value(arg)))
    return tuple(pairs)


_NAME = r"[a-z_][A-Za-z0-9_']*"
_SIMPLE = rf'-?\d+|{_NAME}|"[^"\\]*"'
# A fired/4 atom's terms after its key, in the shape nearly every firing has: a rule id
# without escapes, a conclusion that is a constant or a function of constants and integers,
# and a tuple of ``name(value)`` slots, each value an integer, a constant or a plain string.
_FIRING = re.compile(
    rf'"([^"\\]*)",({_NAME})(?:\(((?:-?\d+|{_NAME})(?:,(?:-?\d+|{_NAME}))*)\))?,\((.*)\)', re.DOTALL
)
_SLOT = re.compile(rf"({_NAME})\(({_SIMPLE})\)")


def _simple(token: str) -> Value:
    """A constant, integer or plain string token as :func:`_as_value` gives it."""
    first = token[0]
    if first == '"':
        return token[1:-1]
    if first == "-" or first.isdigit():
        return int(token)
    return token


def _fast_firing(rest: str) -> Firing | None:
    """A ``fired/4`` atom's terms after its key, parsed without the general tokenizer.

    None unless the text has the common shape (:data:`_FIRING`); the result is then the
    one :func:`_parse_terms` gives (``tests/test_solver_lean.py``).
    """
    match = _FIRING.fullmatch(rest)
    if match is None:
        return None
    rule_id, name, terms, inner = match.groups()
    conclusion: Value = (name, *map(_simple, terms.split(","))) if terms else name
    slots = _SLOT.findall(inner)
    written = ",".join(f"{slot}({value})" for slot, value in slots)
    if inner != written and not (len(slots) == 1 and inner == written + ","):
        return None
    args = tuple([(slot, _simple(value)) for slot, value in slots])
    return Firing(rule_id, conclusion, args)


# An integer term of a firing of the common shape (:data:`_FIRING`): after "(" or ",", before
# ")" or "," (a name never starts with a digit; a digit in a string is checked by the count).
_INT_TERM = re.compile(r"(?<=[(,])-?\d+(?=[),])")


class _Template:
    """A parsed firing whose integers are read from the places they hold in its text.

    Made from the first firing of a rule that has integers (:func:`_template`): a firing of
    the same rule whose text has the same length and equals the template's outside those
    places (dates, ages) is read by :meth:`fill` as :func:`_fast_firing` reads it, without
    its regular expressions.
    """

    def __init__(
        self,
        rest: str,
        firing: Firing,
        values: list[Value],
        count: int,
        places: list[int],
        spans: list[tuple[int, int]],
    ) -> None:
        self.rule_id = firing.rule_id
        conclusion = firing.conclusion
        self.name: str = conclusion[0] if isinstance(conclusion, tuple) else str(conclusion)
        self.slots = [slot for slot, _ in firing.args]
        self.values = values  # the conclusion's terms, then the slots' values
        self.count = count  # how many of them are the conclusion's (-1: a constant)
        self.places = places  # which of them are integers
        self.starts = [start for start, _ in spans]  # where each integer is in the text
        self.ends = [end for _, end in spans]
        self.length = len(rest)
        # the text between the integers, and where each piece starts
        self.fixed = [
            rest[start:begin]
            for start, begin in zip([0, *self.ends], [*self.starts, len(rest)], strict=True)
        ]
        self.fixed_starts = [0, *self.ends]

    def fill(self, rest: str) -> Firing | None:
        """The firing of ``rest``; None unless it is the template's text but for its integers."""
        if len(rest) != self.length:
            return None
        fixed, fixed_starts = self.fixed, self.fixed_starts
        for index in range(len(fixed)):
            piece = fixed[index]
            start = fixed_starts[index]
            if rest[start : start + len(piece)] != piece:
                return None
        values = self.values.copy()
        places, starts, ends = self.places, self.starts, self.ends
        for index in range(len(places)):
            text = rest[starts[index] : ends[index]]
            try:
                values[places[index]] = int(text)
            except ValueError:  # a name in the integer's place: f(a1) for f(12)
                return None
        slots, count = self.slots, self.count
        offset = 0 if count < 0 else count
        args = tuple([(slots[index], values[offset + index]) for index in range(len(slots))])
        if count < 0:
            return Firing(self.rule_id, self.name, args)
        return Firing(self.rule_id, (self.name, *values[:count]), args)


def _template(rest: str, firing: Firing) -> _Template | None:
    """The template of a firing :func:`_fast_firing` parsed from ``rest``; None without integers.

    The integer terms found in the text must be the firing's integers, in order: a text
    whose strings hold something that looks like one gives no template.
    """
    conclusion = firing.conclusion
    values: list[Value] = list(conclusion[1:]) if isinstance(conclusion, tuple) else []
    count = len(values) if isinstance(conclusion, tuple) else -1
    values += [value for _, value in firing.args]
    places = [index for index, value in enumerate(values) if isinstance(value, int)]
    spans = [match.span() for match in _INT_TERM.finditer(rest)]
    if not places or len(spans) != len(places):
        return None
    for place, (begin, end) in zip(places, spans, strict=True):
        if int(rest[begin:end]) != values[place]:
            return None
    return _Template(rest, firing, values, count, places, spans)


_SKIP = frozenset({"absent"})
# The atoms :meth:`_LeanReader.absorb_all` reads inline (most of a bulk answer): those with
# values after the key, and those with the key alone.
_WITH_VALUES = frozenset({"fired", "result", "flag"})
_INLINE = _WITH_VALUES | {"cannabis_related", "cannabis_case", "sealable_case"}


def _split_atom(text: str) -> tuple[str, str, str | None] | None:
    """``name("key",rest)`` as its name, key (still escaped) and rest, as :data:`_ATOM` does.

    String operations for the common case (a key without escapes); the regex otherwise.
    """
    name, sep, body = text.partition('("')
    end = body.find('"')
    plain = sep and end >= 0 and text[-1] == ")" and "\\" not in body[:end]
    if plain and name.isidentifier() and name.islower():
        tail = body[end + 1 : -1]
        if not tail:
            return name, body[:end], None
        if tail[0] == ",":
            return name, body[:end], tail[1:]
    match = _ATOM.match(text)
    return None if match is None else match.groups()  # type: ignore[return-value]


def _texts_plain(model: clingo.Model) -> list[str]:
    return [str(sym) for sym in model.symbols(shown=True)]


def _texts_fast(model: clingo.Model) -> list[str]:
    """The shown atoms as text, through clingo's C API, many atoms a call.

    The same strings as :func:`_texts_plain` (``tests/test_solver_lean.py``), without a
    Python ``Symbol`` per atom. Clingo prints a symbol through a C++ stream made afresh for
    each call (most of the cost of a short atom) and each call through cffi costs about as
    much again, so the atoms are printed :data:`_CHUNK` at a time: put in one tuple with a
    marker between each two, a constant whose name is a line feed (a name only the C API can
    make), printed once and cut at the markers (:meth:`_Printer.chunk`). A chunk that holds
    any other line feed, or of one atom, is printed atom by atom (:meth:`_Printer.each`).
    The tuples stay in clingo's symbol table, as every symbol a grounding makes does.
    """
    ffi, lib = CLINGO_CFFI  # type: ignore[misc]
    show = lib.clingo_show_type_shown
    p_size = ffi.new("size_t*")
    if not lib.clingo_model_symbols_size(model._rep, show, p_size):
        return _texts_plain(model)
    count = p_size[0]
    symbols = array("Q", bytes(8 * count))  # clingo_symbol_t is a uint64_t
    if not lib.clingo_model_symbols(
        model._rep, show, ffi.from_buffer("clingo_symbol_t[]", symbols), count
    ):
        return _texts_plain(model)
    p_symbol = ffi.new("clingo_symbol_t*")
    if not lib.clingo_symbol_create_function(b"\n", ffi.NULL, 0, True, p_symbol):
        return _texts_plain(model)
    printer = _Printer(ffi, lib, p_symbol[0])
    texts: list[str] = []
    for start in range(0, count, _CHUNK):
        part = symbols[start : start + _CHUNK]
        found = printer.chunk(part) if len(part) > 1 else None
        if found is None:
            found = printer.each(part)
            if found is None:
                return _texts_plain(model)
        texts += found
    return texts


#: The atoms :func:`_texts_fast` prints in one call (fewer calls, a buffer of a few dozen KB).
_CHUNK = 256


class _Printer:
    """Prints clingo symbols into one reused buffer (:func:`_texts_fast`)."""

    def __init__(self, ffi: Any, lib: Any, marker: int) -> None:
        self.ffi, self.lib = ffi, lib
        self.capacity = 1 << 15
        self.buffer = ffi.new("char[]", self.capacity)
        self.p_size = ffi.new("size_t*")
        self.p_symbol = ffi.new("clingo_symbol_t*")
        # the tuple's arguments: the atoms at the even places, the marker between them
        self.args = array("Q", [marker]) * (2 * _CHUNK)
        self.c_args = ffi.from_buffer("clingo_symbol_t[]", self.args)

    def text(self, symbol: int) -> str | None:
        """One symbol as clingo prints it; None if clingo refuses for another reason than size.

        Clingo prints into a stream bounded by the size it is given and returns false, having
        written nothing beyond it, when the text does not fit (``ArrayStream`` in clingo's
        ``utility.hh``); only then is the size asked and the buffer grown.
        """
        lib = self.lib
        if not lib.clingo_symbol_to_string(symbol, self.buffer, self.capacity):
            if not lib.clingo_symbol_to_string_size(symbol, self.p_size):
                return None
            if self.p_size[0] <= self.capacity:
                return None
            self.capacity = 2 * self.p_size[0]
            self.buffer = self.ffi.new("char[]", self.capacity)
            if not lib.clingo_symbol_to_string(symbol, self.buffer, self.capacity):
                return None
        text: str = self.ffi.string(self.buffer).decode()
        return text

    def each(self, symbols: array) -> list[str] | None:
        """The symbols printed one call each."""
        texts: list[str] = []
        for symbol in symbols:
            text = self.text(symbol)
            if text is None:
                return None
            texts.append(text)
        return texts

    def chunk(self, symbols: array) -> list[str] | None:
        """Two or more symbols printed in one call, as :meth:`each` prints them; or None.

        Printed as the tuple ``(a,M,b,M,c)`` where ``M`` prints as a line feed: the text is cut
        at each ``,M,``. Clingo prints no line feed of its own (a string's is escaped, a name
        has none), so a chunk whose text holds exactly its markers' line feeds is cut exactly;
        any other (a symbol made through an API with a line feed in its name) gives None.
        """
        size = len(symbols)
        args = self.args
        args[0 : 2 * size : 2] = symbols
        if not self.lib.clingo_symbol_create_function(
            b"", self.c_args, 2 * size - 1, True, self.p_symbol
        ):
            return None
        text = self.text(self.p_symbol[0])
        if text is None or text.count("\n") != size - 1:
            return None
        return text[1:-1].split(",\n,")


# clingo's own cffi handles (fact_loader); the public API if this clingo moved them.
shown_texts = _texts_plain if CLINGO_CFFI is None else _texts_fast


class _Unseen(Enum):
    """The marker of a trace :class:`_LeanReader` has not parsed yet (None is a result)."""

    UNSEEN = 0


class _LeanReader:
    """Reads shown atoms from their text; firings are parsed once per distinct trace."""

    def __init__(self) -> None:
        self.firings: dict[str, Firing | None] = {}
        self.remedy_kinds: dict[str, bool] = {}
        # a template for the firings of each rule, by its quoted id (:class:`_Template`)
        self.templates: dict[str, _Template] = {}
        self.values: dict[str, list[Value]] = {}
        self.strings: dict[str, list[str]] = {}
        # a fired/4 atom's terms after its key: the firing kept (or None) and whether it
        # is a remedy's (read inline by absorb_all)
        self.seen: dict[str, tuple[Firing | None, bool]] = {}

    def terms(self, rest: str) -> list[Value]:
        found = self.values.get(rest)
        if found is None:
            found = self.values[rest] = [_as_value(v) for v in _parse_terms(rest)]
        return found

    def texts(self, rest: str) -> list[str]:
        """:meth:`terms` of an atom whose terms are all constants or strings (``result/8``).

        Raises as the full reader's ``Symbol.name``/``.string`` would on any other term.
        """
        found = self.strings.get(rest)
        if found is None:
            values = self.terms(rest)
            found = [v for v in values if isinstance(v, str)]
            if len(found) != len(values):
                raise TypeError(f"expected constants or strings, got ({rest})")
            self.strings[rest] = found
        return found

    def firing(self, rest: str) -> Firing | None:
        found = self.firings.get(rest, _Unseen.UNSEEN)
        if found is not _Unseen.UNSEEN:
            return found
        rule = rest[: rest.find('",')]  # the rule id, quoted (a text without one: all)
        template = self.templates.get(rule)
        parsed = None if template is None else template.fill(rest)
        if parsed is None:
            parsed = _fast_firing(rest)
            if parsed is not None and template is None:
                made = _template(rest, parsed)
                if made is not None:
                    self.templates[rule] = made
        if parsed is None:
            rule_id, conclusion, args = _parse_terms(rest)
            if not isinstance(rule_id, str):
                raise TypeError(f"a fired/4 rule id must be a string, got ({rest})")
            parsed = Firing(rule_id, _as_value(conclusion), _as_args(args))
        # an alternative branch: the output files use alternative/3
        firing = parsed if parsed.branch in (None, "presumed") else None
        self.firings[rest] = firing
        return firing

    def remedy(self, kind: str) -> bool:
        """:func:`is_remedy_conclusion`, once a conclusion's kind."""
        found = self.remedy_kinds.get(kind)
        if found is None:
            found = self.remedy_kinds[kind] = is_remedy_conclusion(kind)
        return found

    def absorb_all(self, texts: Iterable[str], result: SolveResult) -> None:
        """:meth:`absorb` each text; the frequent atoms with a plain key read inline.

        A ``fired/4``, ``result/8``, ``flag/2`` or one-key atom whose key holds no escape is
        split here as :func:`_split_atom` splits it, without a call per atom; anything else
        goes through :meth:`absorb`.
        """
        decisions = result.decisions
        seen = self.seen
        inline, with_values = _INLINE, _WITH_VALUES  # locals: compiled, no module look-up
        for text in texts:
            name, _, body = text.partition('("')
            end = body.find('"')
            if end < 0 or name not in inline or text[-1] != ")":
                self.absorb(text, result)
                continue
            key = body[:end]
            tail = body[end + 1 : -1]
            if "\\" in key or (
                (tail[0] != "," or name not in with_values) if tail else name in with_values
            ):
                self.absorb(text, result)
                continue
            if name == "fired":
                dec = decisions.get(key)
                if dec is None:
                    dec = decisions[key] = Decision(conviction_id=key)
                rest = tail[1:]
                entry = seen.get(rest)
                if entry is None:
                    firing = self.firing(rest)
                    entry = seen[rest] = (firing, firing is not None and self.remedy(firing.kind))
                firing, remedy = entry
                if remedy:
                    result.remedy_firings.append((key, firing))  # type: ignore[arg-type]
                elif firing is not None:
                    dec.firings.append(firing)
                continue
            if name == "cannabis_case":
                result.cannabis_cases.add(key)
                continue
            if name == "sealable_case":
                result.sealable_cases.add(key)
                continue
            dec = decisions.get(key)
            if dec is None:
                dec = decisions[key] = Decision(conviction_id=key)
            if name == "cannabis_related":
                dec.cannabis_related = True
            elif name == "flag":
                dec.flags.append(tail[1:])
            else:  # result/8
                (dec.outcome, dec.reason, dec.decided_by, dec.statutory_outcome,
                 dec.statutory_reason, dec.statutory_by,
                 dec.record_after) = self.texts(tail[1:])  # fmt: skip

    def absorb(self, text: str, result: SolveResult) -> None:
        parts = _split_atom(text)
        if parts is None:  # not an atom about a conviction or case
            if text.startswith("internal_error("):
                result.internal_errors.append(text)
            elif text.startswith(REMEDY_PREFIXES):
                result.remedy_texts.append(text)
            return
        name, key, rest = parts
        if name in _SKIP:
            return
        if name == "internal_error":
            result.internal_errors.append(text)
            return
        key = _unquote(key)
        if name == "cannabis_case":
            result.cannabis_cases.add(key)
            return
        if name == "sealable_case":
            result.sealable_cases.add(key)
            return
        dec = _decision(result.decisions, key)
        if rest is None:  # one argument: of these, only cannabis_related/1
            if name == "cannabis_related":
                dec.cannabis_related = True
            return
        if name == "fired":
            firing = self.firing(rest)
            if firing is not None and is_remedy_conclusion(firing.kind):
                result.remedy_firings.append((key, firing))
            elif firing is not None:
                dec.firings.append(firing)
            return
        if name == "flag":
            dec.flags.append(rest)
            return
        values = self.terms(rest)
        texts = self.texts
        if name == "result":
            (dec.outcome, dec.reason, dec.decided_by, dec.statutory_outcome,
             dec.statutory_reason, dec.statutory_by, dec.record_after) = texts(rest)  # fmt: skip
        elif name == "decision":
            dec.outcome, dec.reason = texts(rest)
        elif name == "statutory_decision":
            dec.statutory_outcome, dec.statutory_reason = texts(rest)
        elif name == "decided_by":
            dec.decided_by = texts(rest)[0]
        elif name == "statutory_by":
            dec.statutory_by = texts(rest)[0]
        elif name == "alternative":
            branch, (_, fact) = values[0], rest.split(",", 1)
            if not isinstance(branch, str):  # the full reader's Symbol.name would raise
                raise TypeError(f"an alternative's branch must be a constant, got ({rest})")
            dec.alternatives.append((branch, fact))
        elif name == "record_after":
            dec.record_after = texts(rest)[0]
        elif name == "record_before":
            dec.record_before = texts(rest)[0]
        elif name == "prosecuting_agency":
            value = values[0]
            dec.agency = value if isinstance(value, str) else rest


#: The messages a control passes to its logger (clingo's warnings), at most.
MESSAGE_LIMIT = 50

# Controls that already hold a bulk program, by its text (:func:`prepare_control`).
_PREPARED: dict[str, tuple[clingo.Control, list[str]]] = {}


def prepare_control(program: str) -> None:
    """Parse ``program`` into a clingo control now, for the batch children forked from here.

    A bulk run's worker calls this once, before it forks a child per batch: each child
    inherits the parsed program and takes it (:func:`take_prepared`) instead of parsing the
    same text again (about 2 % of a batch's instructions; tests/bench/analysis.md, eighth
    round). The worker itself never solves with it. What clingo logs while parsing is kept
    and reported with each batch's messages, as when each batch parsed the program itself.
    """
    _PREPARED[program] = _parsed(program)


def _parsed(program: str) -> tuple[clingo.Control, list[str]]:
    """A control holding ``program``, and the list its log (every warning) goes to."""
    messages: list[str] = []

    def log(code: clingo.MessageCode, message: str) -> None:
        messages.append(f"{code.name}: {message.strip()}")

    limit = message_limit(program, MESSAGE_LIMIT)
    control = clingo.Control(["--warn=all"], logger=log, message_limit=limit)
    control.add("base", [], program)
    return control, messages


def take_prepared(program: str) -> tuple[clingo.Control, list[str]] | None:
    """The control :func:`prepare_control` made for ``program`` (once), or None."""
    return _PREPARED.pop(program, None)


def solve_text(
    programs: ProgramSet,
    facts: str,
    *,
    lean: bool = False,
    program: str = "",
    keep: list[object] | None = None,
    prepared: tuple[clingo.Control, list[str]] | None = None,
) -> SolveResult:
    """Solve the programs over ``facts`` (histories and settings) and collect decisions.

    ``lean`` reads only what the bulk run's output files use (see the module docstring);
    ``program``, when given, is the bulk program to ground in place of the set's own
    (:meth:`ProgramSet.bulk_program_without`). ``keep``, when given, takes the clingo
    control and the answer's text instead of freeing them (a process that ends without
    teardown, whose memory the kernel takes back at once). ``prepared``, when given, is a
    control that already holds the lean program (:func:`take_prepared`) and its log.
    """
    result = SolveResult()
    clock = time.perf_counter
    started = clock()
    if prepared is None:
        prepared = _parsed((program or programs.bulk_program) if lean else programs.text)
    ctl, result.messages = prepared
    add_facts(ctl, facts, result.messages)
    ctl.ground([("base", [])], context=CALENDAR)
    del result.messages[MESSAGE_LIMIT:]  # the control's room for add_facts' checks unused
    grounded = clock()
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            if lean:
                texts, reader = shown_texts(model), _LeanReader()
                reader.absorb_all(texts, result)
                if keep is not None:
                    keep += (texts, reader)
            else:
                for sym in model.symbols(shown=True):
                    _absorb(sym, result)
    for dec in result.decisions.values():
        dec.sort()
    result.internal_errors.sort()
    result.seconds = {"ground": grounded - started, "solve": clock() - grounded}
    if keep is not None:
        keep.append(ctl)
    return result


def batch_facts(histories: Iterable[History]) -> str:
    """The facts of many people, packed as the bulk run grounds them (no descriptive facts)."""
    return "".join(packed_facts(h) for h in histories)


def decide(
    histories: Iterable[History],
    programs: ProgramSet,
    as_of: date,
    scope_county: str | None = None,
    extra_facts: str = "",
    *,
    lean: bool = False,
) -> SolveResult:
    """Decide every conviction of ``histories`` in one grounding.

    ``result.seconds`` reports the time to build the facts, to ground and to solve (the
    solve time includes reading the answer back).
    """
    started = time.perf_counter()
    histories = list(histories)
    facts = batch_facts(histories)
    if programs.remedies:  # the facts only a remedy beside Prop 64 reads (arrests...)
        facts += "".join(remedy_facts(h) for h in histories)
    built = time.perf_counter() - started
    result = solve_text(
        programs, facts + settings_facts(as_of, scope_county) + extra_facts, lean=lean
    )
    result.seconds = {"facts": built, **result.seconds}
    return result
