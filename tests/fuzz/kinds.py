"""The kinds of row damage: what each does to one clean line, and what the reader must do.

Each kind takes a clean physical line (:class:`Line`) and returns a :class:`Damage`: the
text that replaces the line's body (it may hold line ends: then one line becomes several,
or a line is inserted after it), what the reader must do with each resulting physical line,
and the kind's *category*, what the checker expects of the line's person (docs/reliability.md
"Damaged input"):

- ``reject``: damage the reader can see. Each resulting line must be rejected, with one of
  the kind's reasons. When ``attributable`` (the damage leaves ``SUBJECT_ID`` readable, or
  the CII number, in its column or standing alone in a line whose fields are out of place,
  tells whose line it is: every kind here) the rejected line names the person, and all the
  person's convictions must be flagged ``record_incomplete``, with no relief.
- ``value``: the line stays valid and a value changes in a way no reader can tell from a
  true value (a date moved to another valid date, a charge misspelt). The person's decisions
  may change; nothing is required of them.
- ``harmless``: the line's meaning does not change (a duplicate, padding, a byte order mark
  before the first field, a blank line or a second header inserted). The person's outputs
  must stay exactly the same, and an inserted line is accounted for (irrelevant or rejected).

``file``-level damage (a byte that is not UTF-8) is of category ``value``, with
``whole_file`` set: the whole file must fail with a one-line error in UTF-8, and the checker
then reads it as Latin-1.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .lines import Line, line_ends

REJECT, VALUE, HARMLESS = "reject", "value", "harmless"
#: What the reader must do with one resulting physical line.
KEPT, REJECTED, ANY = "kept", "rejected", "any"

#: Characters a CSV reader and Python take for whitespace or a line break only in some
#: places (``str.split``, ``str.splitlines``), never the reader's line ends.
ODD_CONTROLS = "\x01\x02\x07\x08\x0b\x0c\x0e\x1b\x1c\x1f\x7f\x85\u2028\u2029"
#: Control characters that are neither whitespace nor printable for Python.
HARD_CONTROLS = "\x01\x02\x03\x07\x08\x0e\x10\x1b\x7f"
#: Letters and the characters a bad scan or a typist puts for them.
LOOKALIKES = dict(zip("OILESABCGTNDRUV", "0l13548(67MOPVU", strict=True))
#: Columns the reader never reads (a value there changes nothing).
UNUSED_COLUMNS = (
    "EYE_COLOR_DESCR",
    "HAIR_COLOR_DESCR",
    "POB_NAME",
    "HEIGHT",
    "WEIGHT",
    "FBI_NUMBER",
    "STP_ORI_TYPE_DESCR",
    "SENT_TIME_DESCR",
    "CYC_AGE",
    "CII_TYPE",
)
_USED_STEPS = ("arrest", "court", "registration", "death")
FIELD_LIMIT = 131_072  # csv.field_size_limit() by default: longer is damage (docs/facts.md)


@dataclass(frozen=True)
class Damage:
    """What one kind did to one line: the new text and what the reader must do with it."""

    text: str  # replaces the line's body; the line's own line end follows it
    expects: tuple[str, ...]  # KEPT / REJECTED / ANY, one per resulting physical line
    category: str
    reasons: frozenset[str] = frozenset()  # a rejected line's reason is one of these
    attributable: bool = False  # the first rejected line must name the line's person
    whole_file: bool = False  # the file cannot be read as a whole in UTF-8

    def __post_init__(self) -> None:
        assert line_ends(self.text) + 1 == len(self.expects), (self.text[:80], self.expects)


@dataclass(frozen=True)
class Kind:
    """One kind of damage."""

    name: str
    group: str  # structure, bytes, field, value, meaning
    description: str
    applies: Callable[[Line], bool]
    damage: Callable[[random.Random, Line], Damage]


def _reject(text: str, *reasons: str, attributable: bool = True) -> Damage:
    return Damage(text, (REJECTED,), REJECT, frozenset(reasons), attributable)


def _value(text: str) -> Damage:
    return Damage(text, (ANY,) * (line_ends(text) + 1), VALUE)


def _harmless(text: str, *expects: str, reasons: tuple[str, ...] = ()) -> Damage:
    return Damage(text, expects or (KEPT,), HARMLESS, frozenset(reasons))


def _garble(rng: random.Random, text: str, within: int | None = None) -> str | None:
    """``text`` with one letter put as a look-alike (within its first ``within`` characters)."""
    places = [i for i, c in enumerate(text[:within]) if c.upper() in LOOKALIKES]
    if not places:
        return None
    at = rng.choice(places)
    return text[:at] + LOOKALIKES[text[at].upper()] + text[at + 1 :]


def _after_subject(line: Line) -> list[int]:
    """Indexes of the fields after SUBJECT_ID."""
    return list(range(line.columns["SUBJECT_ID"] + 1, len(line.spans)))


def _unquoted(line: Line, nonblank: bool = False) -> list[int]:
    return [
        i
        for i in _after_subject(line)
        if not line.spans[i][2] and (not nonblank or line.spans[i][1] > line.spans[i][0])
    ]


def _quoted(line: Line) -> list[int]:
    return [i for i in _after_subject(line) if line.spans[i][2]]


def _used(line: Line) -> bool:
    return line.step in _USED_STEPS


def _court(line: Line) -> bool:
    return line.step == "court" and bool(line.value("DISP_DESCR"))


def _cut_point(rng: random.Random, line: Line) -> int:
    """A place strictly inside the line after its SUBJECT_ID field."""
    return rng.randrange(line.subject_end, len(line.body))


def _year(line: Line, name: str, rng: random.Random) -> int:
    value = line.value(name)
    return (
        int(value[:4]) if value[:4].isdigit() and value[:4] != "0000" else rng.randint(1970, 2019)
    )


# --- Structure of the line ---------------------------------------------------------------


def unclosed_quote(rng: random.Random, line: Line) -> Damage:
    index = rng.choice(_unquoted(line))
    return _reject(line.inserted(line.spans[index][0], '"'), "unclosed_quote", "stray_quote")


def stray_quote(rng: random.Random, line: Line) -> Damage:
    start, end, _ = line.spans[rng.choice(_unquoted(line, nonblank=True))]
    return _reject(line.inserted(rng.randint(start + 1, end), '"'), "stray_quote")


def quote_after_closing(rng: random.Random, line: Line) -> Damage:
    end = line.spans[rng.choice(_quoted(line))][1]
    return _reject(line.inserted(end, rng.choice("X .'")), "stray_quote")


def unquoted_comma(rng: random.Random, line: Line) -> Damage:
    start, end, _ = line.spans[rng.choice(_unquoted(line))]
    return _reject(line.inserted(rng.randint(start, end), ","), "wrong_field_count")


def trailing_empty_field(rng: random.Random, line: Line) -> Damage:
    return _reject(line.body + ",", "wrong_field_count")


def lost_comma(rng: random.Random, line: Line) -> Damage:
    index = rng.choice(_unquoted(line)[:-1])
    at = line.spans[index][1]  # the comma after the field
    return _reject(line.body[:at] + line.body[at + 1 :], "wrong_field_count", "stray_quote")


def extra_fields(rng: random.Random, line: Line) -> Damage:
    extra = ",".join(rng.choice(["", "X", "0", "NULL"]) for _ in range(rng.randint(1, 5)))
    return _reject(f"{line.body},{extra}", "wrong_field_count")


def truncated(rng: random.Random, line: Line) -> Damage:
    last_comma = line.body.rindex(",")
    at = rng.randint(line.subject_end, last_comma)
    return _reject(line.body[:at], "wrong_field_count", "unclosed_quote")


def cut_at_comma(rng: random.Random, line: Line) -> Damage:
    commas = [line.spans[i][1] for i in _after_subject(line)[:-1]]
    keep = rng.randint(0, 1)  # cut before or after the comma (never after the last one)
    at = rng.choice(commas[:-1] if keep else commas) + keep
    return _reject(line.body[:at], "wrong_field_count")


def nul_byte(rng: random.Random, line: Line) -> Damage:
    # Right after a closing quote it is a stray character there too: either reason is right.
    return _reject(line.inserted(_cut_point(rng, line), "\0"), "nul_byte", "stray_quote")


def _split(rng: random.Random, line: Line, end: str) -> Damage:
    at = _cut_point(rng, line)
    rest = line.body[at:]
    # The second part holds what follows the cut; when that is empty fields only, it is a
    # blank row (irrelevant) or a damaged one: either is right.
    second = ANY if not rest.replace(",", "").strip() else REJECTED
    return Damage(
        line.body[:at] + end + rest,
        (REJECTED, second),
        REJECT,
        frozenset({"wrong_field_count", "unclosed_quote", "stray_quote"}),
        attributable=True,
    )


def lone_cr(rng: random.Random, line: Line) -> Damage:
    return _split(rng, line, "\r")


def lf_inside(rng: random.Random, line: Line) -> Damage:
    return _split(rng, line, "\n")


def crlf_inside(rng: random.Random, line: Line) -> Damage:
    return _split(rng, line, "\r\n")


def tab_separated(rng: random.Random, line: Line) -> Damage:
    """The line as another tool exported it: tabs between fields (the quotes kept)."""
    text = line.body
    for start, _, _ in reversed(line.spans[1:]):
        text = text[: start - 1] + "\t" + text[start:]
    return _reject(text, "wrong_field_count", "stray_quote")


def head_lost(rng: random.Random, line: Line) -> Damage:
    """The start of the line lost, up to a place inside its first three fields."""
    first_comma = line.spans[0][1]
    at = rng.randint(first_comma + 1, line.subject_end - 1)
    return _reject(line.body[at:], "wrong_field_count")


def blank_line_inserted(rng: random.Random, line: Line) -> Damage:
    blank = rng.choice(["", "   ", "," * (line.columns.width - 1)])
    return _harmless(f"{line.body}{line.end}{blank}", KEPT, KEPT)


def header_repeated(rng: random.Random, line: Line) -> Damage:
    header = ",".join(line.columns.names)
    if rng.random() < 0.5:
        header = "\ufeff" + header  # a file appended to another with its byte order mark
    return _harmless(f"{line.body}{line.end}{header}", KEPT, REJECTED, reasons=("header_row",))


def duplicated_line(rng: random.Random, line: Line) -> Damage:
    return _harmless(f"{line.body}{line.end}{line.body}", KEPT, KEPT)


# --- Bytes and characters ----------------------------------------------------------------


def bom_line_start(rng: random.Random, line: Line) -> Damage:
    return _harmless("\ufeff" + line.body)


def bom_in_field(rng: random.Random, line: Line) -> Damage:
    name = rng.choice(["STP_TYPE_DESCR", "STP_EVENT_DATE"] if line.value("STP_EVENT_DATE") else
                      ["STP_TYPE_DESCR"])  # fmt: skip
    value = line.value(name)
    at = rng.randint(1, len(value) - 1)
    return _reject(
        line.replaced(**{name: value[:at] + "\ufeff" + value[at:]}),
        "unknown_step_type",
        "bad_date:STP_EVENT_DATE",
    )


def control_char_unused(rng: random.Random, line: Line) -> Damage:
    name = rng.choice(UNUSED_COLUMNS)
    value = line.value(name)
    at = rng.randint(0, len(value))
    return _harmless(line.replaced(**{name: value[:at] + rng.choice(ODD_CONTROLS) + value[at:]}))


def control_char_in_vocab(rng: random.Random, line: Line) -> Damage:
    name = rng.choice(["STP_TYPE_DESCR", "DISP_DESCR"] if _court(line) else ["STP_TYPE_DESCR"])
    value = line.value(name)
    # A disposition is known by its first word (CONVICTED-..., DISMISSED...): damage there.
    at = rng.randint(1, min(len(value) - 1, 4 if name == "DISP_DESCR" else len(value)))
    return _reject(
        line.replaced(**{name: value[:at] + rng.choice(HARD_CONTROLS) + value[at:]}),
        "unknown_step_type",
        "unknown_disposition",
    )


def invisible_char_in_subject_id(rng: random.Random, line: Line) -> Damage:
    """A character that is not printable inside SUBJECT_ID: a zero-width space, a BOM, BEL."""
    value = line.subject
    at = rng.randint(0, len(value))
    char = rng.choice(["\u200b", "\ufeff", "\x07", "\x1b"])
    return _reject(line.replaced(SUBJECT_ID=value[:at] + char + value[at:]), "bad_subject_id")


def non_utf8_byte(rng: random.Random, line: Line) -> Damage:
    """A Windows-1252 or stray byte (written through ``surrogateescape``) in a field."""
    index = rng.choice(_after_subject(line))
    start, end, _ = line.spans[index]
    byte = rng.choice([0xE9, 0x92, 0xA0, 0xFF, 0xC3, 0x80])
    text = line.inserted(rng.randint(start, end), chr(0xDC00 + byte))
    return Damage(text, (ANY,), VALUE, whole_file=True)


def very_long_field(rng: random.Random, line: Line) -> Damage:
    name = rng.choice(["COMMENT_TEXT", "OFFENSE_DESCR", "FBI_NUMBER", "END_OF_REC"])
    long = "X" * (FIELD_LIMIT + 1 + rng.randrange(1000))
    return _reject(line.replaced(**{name: long}), "field_too_long")


# --- Fields --------------------------------------------------------------------------------


def garbled_step_type(rng: random.Random, line: Line) -> Damage:
    value = line.value("STP_TYPE_DESCR")
    garbled = _garble(rng, value, 5) or value[::-1]
    return _reject(line.replaced(STP_TYPE_DESCR=garbled), "unknown_step_type")


def blank_step_type(rng: random.Random, line: Line) -> Damage:
    value = rng.choice(["", "   ", "NULL"])
    return _reject(line.replaced(STP_TYPE_DESCR=value), "blank_step_type")


def garbled_disposition(rng: random.Random, line: Line) -> Damage:
    value = line.value("DISP_DESCR")
    garbled = _garble(rng, value, 4) or "X" + value
    return _reject(line.replaced(DISP_DESCR=garbled), "unknown_disposition")


def blank_disposition(rng: random.Random, line: Line) -> Damage:
    return _reject(line.replaced(DISP_DESCR=rng.choice(["", "  "])), "unknown_disposition")


def null_disposition(rng: random.Random, line: Line) -> Damage:
    return _reject(line.replaced(DISP_DESCR=rng.choice(["NULL", " NULL"])), "unknown_disposition")


_MALFORMED = ("{y}-{m:02d}-{d:02d}", "{y}{m:02d}{d:02d}0", "{y}{m:02d}", "{m}/{d}/{y}",
              "{y}{m:02d}O{d}", "{y}.{m:02d}.{d:02d}", "{y}{m:02d}{d:02d}Z")  # fmt: skip


def bad_date(rng: random.Random, line: Line) -> Damage:
    name = rng.choice(line.dates())
    y, m, d = _year(line, name, rng), rng.randint(1, 12), rng.randint(1, 28)
    value = rng.choice(_MALFORMED).format(y=y, m=m, d=d)
    return _reject(line.replaced(**{name: value}), f"bad_date:{name}")


def impossible_date(rng: random.Random, line: Line) -> Damage:
    name = rng.choice(line.dates())
    y = _year(line, name, rng)
    # (a zero day, "{y}0600", is a partial date, read as missing: zero_date)
    value = rng.choice([f"{y}1301", f"{y}0230", f"{y}0431", f"{y}0132", f"{y}0015", f"{y}0631"])
    return _reject(line.replaced(**{name: value}), f"bad_date:{name}")


def bad_cnt_order(rng: random.Random, line: Line) -> Damage:
    value = line.value("CNT_ORDER")
    value = rng.choice([value[:-1], value + "0", value[:5] + "O" + value[6:], "", "NULL", "1-2"])
    return _reject(line.replaced(CNT_ORDER=value), "bad_cnt_order")


def blank_subject_id(rng: random.Random, line: Line) -> Damage:
    return _reject(line.replaced(SUBJECT_ID=rng.choice(["", "  "])), "blank_subject_id")


def null_subject_id(rng: random.Random, line: Line) -> Damage:
    return _reject(line.replaced(SUBJECT_ID="NULL"), "blank_subject_id")


def swapped_columns(rng: random.Random, line: Line) -> Damage:
    pairs = [("STP_TYPE_DESCR", "STP_EVENT_DATE")] if line.value("STP_EVENT_DATE") else []
    if _court(line):
        pairs.append(("DISP_DESCR", "CONV_STAT_DESCR"))
    if len(line.value("OFN")) != 12 and line.step in ("court", "arrest"):
        pairs.append(("CNT_ORDER", "OFN"))
    first, second = rng.choice(pairs)
    text = line.replaced(**{first: line.value(second), second: line.value(first)})
    return _reject(text, "unknown_step_type", "unknown_disposition", "bad_cnt_order")


def bad_sentence_length(rng: random.Random, line: Line) -> Damage:
    value = rng.choice(["TEN", "3O", "-5", "1.5", "12 MO", "½"])
    return _reject(line.replaced(SENT_LENGTH=value), "bad_sentence_length")


def bad_sentence_unit(rng: random.Random, line: Line) -> Damage:
    value = rng.choice(["X", "W", "MO", "YR", "5", "H"])
    return _reject(line.replaced(SENT_TIME_CODE=value), "bad_sentence_unit")


#: Digits of other scripts, 0-9 each: Python's ``str.isdigit`` takes them all, ``int`` takes
#: every one but the superscripts (``int`` of a fullwidth three is 3, of a superscript two an
#: error).
OTHER_DIGITS = {
    "superscript": "\u2070\u00b9\u00b2\u00b3" + "".join(chr(0x2074 + d) for d in range(6)),
    "fullwidth": "".join(chr(0xFF10 + d) for d in range(10)),
    "arabic_indic": "".join(chr(0x0660 + d) for d in range(10)),
    "extended_arabic_indic": "".join(chr(0x06F0 + d) for d in range(10)),
    "devanagari": "".join(chr(0x0966 + d) for d in range(10)),
}


def _digit_fields(line: Line) -> dict[str, str]:
    """The fields a non-ASCII digit may go in, with the reason a reader rejects it for.

    Dates, CNT_ORDER and a conviction's SENT_LENGTH are checked (the line is rejected);
    SENT_ORDER only orders a count's sentence parts (the line is read, ordered as text).
    """
    fields = {name: f"bad_date:{name}" for name in line.dates()}
    if _counted(line):
        fields["CNT_ORDER"] = "bad_cnt_order"
    if line.convicted:
        fields["SENT_LENGTH"] = "bad_sentence_length"
        fields["SENT_ORDER"] = ""
    return {n: why for n, why in fields.items() if any(c.isascii() and c.isdigit()
                                                        for c in line.value(n))}  # fmt: skip


def non_ascii_digits(rng: random.Random, line: Line) -> Damage:
    """One or every ASCII digit of a field written in another script's digits."""
    fields = _digit_fields(line)
    name = rng.choice(sorted(fields))
    value = line.value(name)
    digits = OTHER_DIGITS[rng.choice(sorted(OTHER_DIGITS))]
    places = [i for i, c in enumerate(value) if c.isascii() and c.isdigit()]
    chosen = set(places) if rng.random() < 0.5 else {rng.choice(places)}
    new = "".join(digits[int(c)] if i in chosen else c for i, c in enumerate(value))
    text = line.replaced(**{name: new})
    return _reject(text, fields[name]) if fields[name] else _value(text)


def empty_charge(rng: random.Random, line: Line) -> Damage:
    offence = rng.choice(["", "SEE COMMENT FOR CHARGE", "NULL"])
    text = line.replaced(OFFENSE_DESCR=offence, CONV_OFFENSE_DESCR="", COMMENT_TEXT="")
    return _reject(text, "empty_charge")


# --- Values a reader cannot tell from true ones ----------------------------------------------


def zero_date(rng: random.Random, line: Line) -> Damage:
    name = rng.choice(line.dates())
    if rng.random() < 0.5:
        return _value(line.replaced(**{name: "00000000"}))
    y = _year(line, name, rng)  # a partial date: the day, or month and day, zeros
    return _value(line.replaced(**{name: rng.choice([f"{y}0000", f"{y}0600"])}))


def blank_dates(rng: random.Random, line: Line) -> Damage:
    return _value(line.replaced(STP_EVENT_DATE="", DISP_DATE=""))


def future_date(rng: random.Random, line: Line) -> Damage:
    value = f"{rng.randint(2030, 2099)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return _value(line.replaced(**{rng.choice(line.dates()): value}))


def other_valid_date(rng: random.Random, line: Line) -> Damage:
    value = f"{rng.randint(1960, 2019)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return _value(line.replaced(**{rng.choice(line.dates()): value}))


def bad_birth_date(rng: random.Random, line: Line) -> Damage:
    value = rng.choice(["19531325", "1953-11-25", "195311", "UNKNOWN"])
    return _value(line.replaced(PRI_DOB=value))


def garbled_charge(rng: random.Random, line: Line) -> Damage:
    name = "CONV_OFFENSE_DESCR" if line.value("CONV_OFFENSE_DESCR") else "OFFENSE_DESCR"
    value = line.value(name)
    garbled = _garble(rng, value) or value[::-1]
    return _value(line.replaced(**{name: garbled}))


def garbled_level(rng: random.Random, line: Line) -> Damage:
    value = line.value("CONV_STAT_DESCR")
    return _value(line.replaced(CONV_STAT_DESCR=_garble(rng, value) or value[::-1]))


def subject_id_garbled(rng: random.Random, line: Line) -> Damage:
    value = line.subject
    at = rng.randrange(len(value))
    return _value(line.replaced(SUBJECT_ID=value[:at] + rng.choice("OlIS") + value[at + 1 :]))


# --- Meaning kept ----------------------------------------------------------------------------


def padded_values(rng: random.Random, line: Line) -> Damage:
    names = ["SUBJECT_ID", "STP_TYPE_DESCR", "CNT_ORDER", "STP_EVENT_DATE", "DISP_DESCR",
             "CONV_STAT_DESCR", "SENT_LENGTH"]  # fmt: skip
    chosen = rng.sample(names, rng.randint(1, 3))
    return _harmless(line.replaced(**{n: f" {line.value(n)}  " for n in chosen}))


def lowercase_vocabulary(rng: random.Random, line: Line) -> Damage:
    names = ["STP_TYPE_DESCR", "DISP_DESCR", "CONV_STAT_DESCR"] if _court(line) else [
        "STP_TYPE_DESCR"]  # fmt: skip
    return _harmless(line.replaced(**{n: line.value(n).lower() for n in names}))


def _always(line: Line) -> bool:
    return True


def _has_unquoted(line: Line) -> bool:
    return bool(_unquoted(line, nonblank=True))


def _has_quoted(line: Line) -> bool:
    return bool(_quoted(line))


def _two_unquoted(line: Line) -> bool:
    return len(_unquoted(line)) > 1


def _counted(line: Line) -> bool:
    return line.step in ("court", "arrest")


def _swappable(line: Line) -> bool:
    return _used(line) and (bool(line.value("STP_EVENT_DATE")) or _counted(line))


def _convicted(line: Line) -> bool:
    return line.convicted


def _charged(line: Line) -> bool:
    return line.convicted or line.step == "registration"


def _has_charge(line: Line) -> bool:
    return _used(line) and bool(line.value("OFFENSE_DESCR"))


def _has_digits(line: Line) -> bool:
    return _used(line) and bool(_digit_fields(line))


def _has_level(line: Line) -> bool:
    return line.convicted and bool(line.value("CONV_STAT_DESCR"))


_S, _B, _F, _V, _M = "structure", "bytes", "field", "value", "meaning"
#: Every kind: name, group, what it does, which lines it applies to, the function.
KINDS: tuple[Kind, ...] = tuple(
    Kind(name, group, text, applies, damage)
    for name, group, text, applies, damage in (
        # The structure of the line
        ("unclosed_quote", _S, "a quote opening a field after SUBJECT_ID, never closed",
         _always, unclosed_quote),
        ("stray_quote", _S, "a quote inside an unquoted field", _has_unquoted, stray_quote),
        ("quote_after_closing", _S, "a character after the closing quote of a quoted field",
         _has_quoted, quote_after_closing),
        ("unquoted_comma", _S, "a comma inside a field (96 fields, later columns shifted)",
         _always, unquoted_comma),
        ("trailing_empty_field", _S, "a 96th, empty field", _always, trailing_empty_field),
        ("lost_comma", _S, "two fields run together (94 fields)", _two_unquoted, lost_comma),
        ("extra_fields", _S, "one to five fields appended", _always, extra_fields),
        ("truncated", _S, "the line cut at a random character after SUBJECT_ID", _always,
         truncated),
        ("cut_at_comma", _S, "the line cut at a comma after SUBJECT_ID", _always, cut_at_comma),
        ("nul_byte", _S, "a NUL character after SUBJECT_ID", _always, nul_byte),
        ("lone_cr", _S, "a lone carriage return inside the line (two lines)", _always, lone_cr),
        ("lf_inside", _S, "a line feed inside the line (two lines)", _always, lf_inside),
        ("crlf_inside", _S, "CR LF inside the line (two lines)", _always, crlf_inside),
        ("tab_separated", _S, "tabs between the fields instead of commas", _always,
         tab_separated),
        ("head_lost", _S, "the start of the line lost, up to inside SUBJECT_ID", _always,
         head_lost),
        ("blank_line_inserted", _S, "an empty, blank or all-commas line inserted after it",
         _always, blank_line_inserted),
        ("header_repeated", _S, "the header (sometimes with a BOM) inserted after the line",
         _always, header_repeated),
        ("duplicated_line", _S, "the line repeated", _always, duplicated_line),
        # Bytes and characters
        ("bom_line_start", _B, "a byte order mark at the start of the line", _always,
         bom_line_start),
        ("bom_in_field", _B, "a byte order mark inside the step type or the step date", _used,
         bom_in_field),
        ("control_char_unused", _B, "a control or Unicode line-separator character in a column "
         "the reader does not read", _always, control_char_unused),
        ("control_char_in_vocab", _B, "a control character inside the step type or "
         "disposition", _used, control_char_in_vocab),
        ("invisible_char_in_subject_id", _B, "a zero-width space, BOM or control character "
         "inside SUBJECT_ID", _used, invisible_char_in_subject_id),
        ("non_utf8_byte", _B, "a byte that is not UTF-8 (Windows-1252 and stray bytes)",
         _always, non_utf8_byte),
        ("very_long_field", _B, "a field longer than 131,072 characters", _always,
         very_long_field),
        # Fields the reader checks
        ("garbled_step_type", _F, "step type with a look-alike character (C0URT ACTION)",
         _used, garbled_step_type),
        ("blank_step_type", _F, "step type blank or NULL", _used, blank_step_type),
        ("garbled_disposition", _F, "court disposition with a look-alike character "
         "(CONVlCTED-JAIL)", _court, garbled_disposition),
        ("blank_disposition", _F, "court disposition blank", _court, blank_disposition),
        ("null_disposition", _F, "court disposition NULL", _court, null_disposition),
        ("bad_date", _F, "a malformed date in a date column the row's step reads", _used,
         bad_date),
        ("impossible_date", _F, "an 8-digit date not in the calendar (month 13, 30 February)",
         _used, impossible_date),
        ("bad_cnt_order", _F, "CNT_ORDER not 12 digits (short, long, a letter, blank, NULL)",
         _counted, bad_cnt_order),
        ("blank_subject_id", _F, "SUBJECT_ID blank", _used, blank_subject_id),
        ("null_subject_id", _F, "SUBJECT_ID NULL", _used, null_subject_id),
        ("swapped_columns", _F, "two columns swapped (step type and date, disposition and "
         "level, count and OFN)", _swappable, swapped_columns),
        ("bad_sentence_length", _F, "SENT_LENGTH not a whole number on a conviction row",
         _convicted, bad_sentence_length),
        ("bad_sentence_unit", _F, "SENT_TIME_CODE not D, M or Y on a conviction row",
         _convicted, bad_sentence_unit),
        ("empty_charge", _F, "no charge text on a conviction or registration row", _charged,
         empty_charge),
        ("non_ascii_digits", _F, "digits of another script (superscript, fullwidth, Arabic-Indic, "
         "Persian, Devanagari) for one or every "
         "digit of a date, CNT_ORDER, SENT_LENGTH or SENT_ORDER", _has_digits,
         non_ascii_digits),
        # Values no reader can tell from true ones
        ("zero_date", _V, "a date column all zeros (a missing date)", _used, zero_date),
        ("blank_dates", _V, "step and disposition dates blank on a court row", _court,
         blank_dates),
        ("future_date", _V, "a valid date after the as-of date", _used, future_date),
        ("other_valid_date", _V, "another valid date", _used, other_valid_date),
        ("bad_birth_date", _V, "a malformed birth date (flagged, the row is used)", _used,
         bad_birth_date),
        ("garbled_charge", _V, "charge text with a look-alike character", _has_charge,
         garbled_charge),
        ("garbled_level", _V, "conviction status with a look-alike character (flagged)",
         _has_level, garbled_level),
        ("subject_id_garbled", _V, "SUBJECT_ID with a letter for a digit (a new person)",
         _used, subject_id_garbled),
        # Meaning kept
        ("padded_values", _M, "blanks around values the reader strips", _used, padded_values),
        ("lowercase_vocabulary", _M, "step type, disposition and level in lower case", _used,
         lowercase_vocabulary),
    )
)  # fmt: skip
BY_NAME = {kind.name: kind for kind in KINDS}


def kinds_table(clean: Path, lines: int = 2000, seed: int = 1) -> str:
    """A Markdown table of the kinds, with what each did to the first ``lines`` of ``clean``.

    The category, the reject reasons and whether the person must be named are read from
    what each kind's damage says about those lines (they vary with the line: the column a
    date is put in, a cut inside a quoted field).
    """
    from .lines import Columns, fields_of, split_line

    rng = random.Random(seed)
    with clean.open(encoding="utf-8", newline="") as handle:
        header, *texts = [next(handle) for _ in range(lines + 1)]
    columns = Columns(fields_of(split_line(header)[0]))
    sample = [Line(n, *split_line(t), columns) for n, t in enumerate(texts, start=2)]
    sample = [line for line in sample if line.well_formed]
    rows = ["| kind | group | category | the reader must | what it does |", "|---|---|---|---|---|"]
    for kind in KINDS:
        found = [kind.damage(rng, line) for line in sample if kind.applies(line)]
        categories = sorted({d.category for d in found})
        reasons = sorted({r for d in found for r in d.reasons})
        named = any(d.attributable for d in found)
        if REJECT in categories:
            must = "reject: " + ", ".join(f"`{r}`" for r in reasons)
            must += "; name the person" if named else " (the person cannot be told)"
        elif reasons:
            must = "keep the line; reject the inserted one: " + ", ".join(f"`{r}`" for r in reasons)
        elif HARMLESS in categories and any(len(d.expects) > 1 for d in found):
            must = "keep both lines (the inserted one irrelevant), change nothing"
        elif HARMLESS in categories:
            must = "keep the line, change nothing"
        else:
            must = "read a valid line (or reject it)"
        if any(d.whole_file for d in found):
            must = "refuse the file in one line (UTF-8); as Latin-1, " + must
        rows.append(f"| `{kind.name}` | {kind.group} | {', '.join(categories)} | {must} | "
                    f"{kind.description} |")  # fmt: skip
    return "\n".join(rows)
