r"""One DOJ record is one physical line: split a file's lines into records, line by line.

The DOJ research file never holds a line break inside a field, so a record is exactly one
physical line (ended by ``\n``, ``\r\n`` or a lone ``\r``, as text mode with
``newline=""`` ends lines), quoted as RFC 4180 says. :mod:`csv` alone would let a stray
opening quote swallow the following lines, other people's rows included, into one record,
and would read a quote inside an unquoted field as a letter, which lets a lost comma or a
stray quote shift columns and keep the field count. Here:

- a line whose quoted field runs past its end is damaged (``unclosed_quote``), and the
  lines :mod:`csv` took with it are read again, each on its own;
- a line whose quotes break RFC 4180 (a quote inside an unquoted field, or a closing quote
  followed by anything but a comma) is damaged (``stray_quote``);
- a line holding a NUL character is damaged (``nul_byte``); so is one with a field longer
  than :func:`csv.field_size_limit` (``field_too_long``).

So every physical line becomes exactly one record, with its own line number, whoever reads
the file: the serial read, the byte-range readers (:mod:`cmr_reason.facts.doj.split`) and
the subject index (:mod:`cmr_reason.facts.doj.offsets`) give the same records. A damaged
line comes with a reason code, a detail without personal data, and its fields as far as
they can be read alone (so its subject can still be told when the damage comes after
``SUBJECT_ID``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from itertools import chain, filterfalse
from typing import NamedTuple

#: A line whose quoted field is still open at its end (a stray or missing quote).
UNCLOSED_QUOTE = "unclosed_quote"
#: A quote RFC 4180 does not allow: inside an unquoted field, or after a closing quote.
STRAY_QUOTE = "stray_quote"
#: A line holding a NUL character: binary damage, and clingo strings cannot hold it.
NUL_BYTE = "nul_byte"
#: A field longer than :func:`csv.field_size_limit`.
FIELD_TOO_LONG = "field_too_long"
#: Any other line :mod:`csv` cannot read.
UNREADABLE_LINE = "unreadable_line"
LINE_REASONS = (UNCLOSED_QUOTE, STRAY_QUOTE, NUL_BYTE, FIELD_TOO_LONG, UNREADABLE_LINE)


class Damage(NamedTuple):
    """Why a physical line is not a readable record: a reason code and a detail."""

    reason: str
    detail: str


_UNCLOSED = Damage(UNCLOSED_QUOTE, "a quoted field is not closed before the end of the line")
_STRAY = Damage(STRAY_QUOTE, "a quote inside an unquoted field, or after a closing quote")
_NUL = Damage(NUL_BYTE, "the line holds a NUL character")
# A line of RFC 4180 fields: unquoted (no quote, comma or line break), or quoted (quotes
# doubled inside); then its line end.
_RFC_4180 = re.compile(r'(?:[^",\r\n]*|"(?:[^"]|"")*")(?:,(?:[^",\r\n]*|"(?:[^"]|"")*"))*\r?\n?')


def _csv_damage(error: csv.Error) -> Damage:
    """A csv error as a damage (its messages name no field value)."""
    message = str(error)
    if "field larger than field limit" in message:
        return Damage(FIELD_TOO_LONG, message)
    if "unexpected end of data" in message:
        return _UNCLOSED  # the input ended inside a quoted field
    if "expected after" in message:
        return _STRAY  # a closing quote followed by something else than a comma
    return Damage(UNREADABLE_LINE, message)


def _stray_quote(text: str) -> bool:
    """True when a line's quotes break RFC 4180 in a way strict :mod:`csv` lets pass.

    Strict :mod:`csv` refuses a closing quote followed by anything but a comma, and a
    quoted field open at the end of the input, but reads a quote inside an unquoted field
    as a letter. In a line without doubled quotes every quote opens a field (after a comma,
    or at the start) or closes it, so there are twice as many quotes as openings; only a
    line where that does not hold is checked in full.
    """
    quotes = text.count('"')
    if not quotes:
        return False
    openings = text.count(',"') + (text[0] == '"')
    return quotes != 2 * openings and _RFC_4180.fullmatch(text) is None


def alone(text: str) -> list[str]:
    """The fields of one line read by itself (an open quoted field runs to its end)."""
    try:
        return next(csv.reader((text,)), [])
    except csv.Error:
        return []


def parse_line(text: str) -> tuple[list[str], Damage | None]:
    """One physical line as a record: its fields and, when damaged, why."""
    for _, fields, damage in records((text,)):
        return fields, damage
    return [], None


Record = tuple[int, list[str], Damage | None]


def records(lines: Iterable[str], first_line: int = 1) -> Iterator[Record]:
    """``(line number, fields, damage)`` for each physical line of ``lines``, in order.

    ``lines`` are decoded physical lines with their line ends, as text mode gives them;
    ``first_line`` is the number of the first. ``damage`` is None for a line that is a
    whole record by itself; otherwise the line's fields are what it holds read alone.
    A line ending inside a quoted field is damaged; the lines :mod:`csv` took with it are
    read again, each by itself.
    """
    taken: list[str] = []  # the lines csv has taken for the record being read

    def tap(source: Iterable[str]) -> Iterator[str]:
        return filterfalse(taken.append, source)  # each line, kept in taken (in C)

    main = tap(lines)
    again: Iterator[str] = iter(())  # lines taken by a damaged record, to read again
    reader = csv.reader(main, strict=True)
    number = first_line
    while True:
        damage: Damage | None = None
        try:
            for fields in reader:
                if len(taken) == 1:
                    text = taken[0]
                    quotes = text.count('"')  # the common case inline (see _stray_quote)
                    if (
                        not quotes or quotes == 2 * (text.count(',"') + (text[0] == '"'))
                    ) and "\0" not in text:
                        taken.clear()
                        yield number, fields, None
                        number += 1
                        continue
                    if "\0" in text:
                        damage = _NUL
                    elif _stray_quote(text):
                        damage = _STRAY
                    else:
                        taken.clear()
                        yield number, fields, None
                        number += 1
                        continue
                break  # a damaged line, or lines csv took together
            else:
                return
        except csv.Error as error:
            damage = _csv_damage(error)
        if not taken:  # csv failed before taking a line: nothing to account for
            continue
        first, rest = taken[0], taken[1:]
        taken.clear()
        yield number, alone(first), _UNCLOSED if rest else damage
        number += 1
        if rest:
            again = iter([*rest, *again])  # what was taken, then what was left to read again
            reader = csv.reader(chain(tap(again), main), strict=True)
