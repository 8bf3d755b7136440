"""Parse charge text such as ``496(A) PC-RECEIVE STOLEN PROPERTY`` into a :class:`Charge`.

This is notation, not law: the parser says which code body, section and subsections the
text names, whether it is written as an attempt (PC 664) or a conspiracy (PC 182), and
keeps the raw text. Whether a section is a cannabis offence is decided by
``programs/tables/``. The choices made for ambiguous spellings are listed in
``docs/facts.md`` ("How charges are normalised").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from cmr_reason.facts.history import Charge

#: Code bodies (docs/doj-format.md "Code sections and their notation"), as the DOJ writes them.
BODIES: frozenset[str] = frozenset(
    ("PC", "HS", "VC", "BP", "WI", "GC", "FG", "FA", "HN", "IC",
     "LC", "MV", "PR", "RT", "SH", "UI", "CI", "CC", "EC", "FC")
)  # fmt: skip
#: Body recorded when the text names a section but no body code.
UNKNOWN_BODY = "unknown"

_ATTEMPT = "664"
_CONSPIRACY = "182"
# A digit run "664" + a section of four or more digits is an attempt written without a
# separator (6644149 = 664 + 4149). Shorter runs stay as written (664487 is section
# "664487"): exact numbers only.
_GLUED_ATTEMPT = re.compile(r"664(\d{4,})")
# "664.4149": a decimal part of four or more digits is a section, not a decimal section
# (real decimal sections have one to three decimal digits: 496.3, 186.22, 12022.53).
_DOTTED_ATTEMPT = re.compile(r"664\.(\d{4,})")

_PREFIX = re.compile(
    r"^\s*(?:(?:CNT|CT|COUNT)\s*#?\s*\d+\s*[-:]?\s*)?(?:(?:CHRG|CHG|CHARGE)\b\s*[-:#]?\s*)?"
)
_OCR = (("©", "(C)"), ("®", "(R)"))
_BODY_SPELLINGS = (
    (re.compile(r"\bH\s*&\s*S\b"), "HS"),
    (re.compile(r"\bP\.\s*C\.?(?![A-Z])"), "PC"),
    (re.compile(r"\bV\.\s*C\.?(?![A-Z])"), "VC"),
    (re.compile(r"\bH\.\s*S\.?(?![A-Z])"), "HS"),
)
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_LETTERS = re.compile(r"[A-Z]+")
_SUB = re.compile(r"\(\s*([A-Z0-9]{1,4})\s*\)")
_SPACES = re.compile(r"\s*")
# A subsection written after the body code: one letter, or one or two digits.
_TRAILING_SUB = re.compile(r"\s*\(\s*([A-Z]|[0-9]{1,2})\s*\)")
# One or two digits glued after a section's glued letters are a paragraph: "288A2 PC" reads
# as "288A(2) PC" (docs/facts.md "How charges are normalised"). Which sections matter, and
# what a glued letter means for them, is for the programs (tables/cannabis.lp).
_GLUED_PARAGRAPH = re.compile(r"([0-9]{1,2})(?![0-9.])")
# After a body code, more sections follow only in this shape ("182 PC/4149 BP",
# "487 PC/664"); anything else is the description ("23152 VC-1ST OFFENSE").
_MORE_SECTIONS = re.compile(
    r"\s*[-/|]\s*[0-9]+(?:\.[0-9]+)?[A-Z]{0,2}\s*(?:\(\s*[A-Z0-9]{1,4}\s*\)\s*)*"
    r"(?:(?:" + "|".join(sorted(BODIES)) + r")\b|[-/|]|$)"
)
_ATTEMPTED_FLAG = re.compile(r"(?:^|[-/])\s*ATTEMPT(?:ED)?\s*(?:$|[-/])")
_TARGET = re.compile(
    r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?[A-Z]{0,2}\s*(?:\(\s*[A-Z0-9]{1,4}\s*\)\s*)*"
    r"(?:" + "|".join(sorted(BODIES)) + r")\b"
)


@dataclass
class _Section:
    """A section number as read, with its subsection paths and body."""

    number: str
    paths: list[list[str]] = field(default_factory=lambda: [[]])
    body: str | None = None
    own_body: bool = False  # the body code follows this section directly

    @property
    def subsections(self) -> tuple[str, ...]:
        # In "594(A)-(B)(2)(A)" the last path is the one the count is punished under.
        return tuple(s.lower() for s in self.paths[-1])


@dataclass
class _Scan:
    """Result of scanning the code part of a charge text."""

    sections: list[_Section] = field(default_factory=list)
    leading_body: str | None = None
    description: str = ""


def _section_letters(letters: str) -> tuple[str, str | None, bool]:
    """Split letters glued to a section number into (section suffix, body, rest is text).

    ``288A`` -> suffix ``A``; ``4149BP`` -> body ``BP``; ``288APC`` -> ``A`` + ``PC``;
    ``4149NEEDLES`` -> the letters start the description.
    """
    if not letters:
        return "", None, False
    if letters[:2] in BODIES:
        return "", letters[:2], len(letters) > 2
    if len(letters) <= 2:
        return letters, None, False
    if len(letters) <= 4 and letters[-2:] in BODIES:
        return letters[:-2], letters[-2:], False
    return "", None, True


def _scan(text: str) -> _Scan:
    """Read sections, subsections and body codes from the start of ``text``."""
    scan = _Scan()
    pos, end = 0, len(text)
    pending: list[_Section] = []  # sections still waiting for a body code
    while pos < end:
        pos = _SPACES.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= end:
            break
        char = text[pos]
        number = _NUMBER.match(text, pos)
        if number:
            pos = number.end()
            letters = _LETTERS.match(text, pos)
            suffix, body, rest_is_text = _section_letters(letters.group() if letters else "")
            if rest_is_text:
                if body:
                    pos += 2
                section = _Section(number.group())
                scan.sections.append(section)
                pending.append(section)
                if body:
                    _assign_body(pending, body)
                scan.description = text[pos:]
                return scan
            pos += len(suffix) + (len(body) if body else 0)
            section = _Section(number.group() + suffix.lower())
            scan.sections.append(section)
            pending.append(section)
            if body is None:
                paragraph = _GLUED_PARAGRAPH.match(text, pos) if suffix else None
                if paragraph:
                    section.paths[-1].append(paragraph.group(1))
                    pos = paragraph.end()
                pos = _read_subsections(text, pos, section)
                word = _LETTERS.match(text, _SPACES.match(text, pos).end())  # type: ignore[union-attr]
                if word and word.group() in BODIES:
                    body, pos = word.group(), word.end()
            if body is not None:
                if not section.paths[-1]:  # "459 PC (A)": subsections after the body
                    pos = _read_trailing_subsections(text, pos, section)
                _assign_body(pending, body)
                more = _MORE_SECTIONS.match(text, pos)
                if not more:
                    scan.description = text[pos:]
                    return scan
            continue
        if char in "-/|.":
            nxt = _SPACES.match(text, pos + 1).end()  # type: ignore[union-attr]
            if scan.sections and (nxt >= end or not ("0" <= text[nxt] <= "9")):
                scan.description = text[pos:]
                return scan
            pos += 1
            continue
        word = _LETTERS.match(text, pos)
        if word and word.group() in BODIES and not scan.sections and scan.leading_body is None:
            scan.leading_body = word.group()  # body written first: "PC 487"
            pos = word.end()
            continue
        scan.description = text[pos:]
        return scan
    return scan


def _read_subsections(text: str, pos: int, section: _Section) -> int:
    """Read ``(A)(1)``, ``(A) (1)`` and ``(A)-(B)`` after a section number."""
    while True:
        after = _SPACES.match(text, pos).end()  # type: ignore[union-attr]
        sub = _SUB.match(text, after)
        if sub:
            section.paths[-1].append(sub.group(1))
            pos = sub.end()
            continue
        if after < len(text) and text[after] == "-":
            dash = _SPACES.match(text, after + 1).end()  # type: ignore[union-attr]
            sub = _SUB.match(text, dash)
            if sub and section.paths[-1]:
                section.paths.append([sub.group(1)])
                pos = sub.end()
                continue
        return pos


def _read_trailing_subsections(text: str, pos: int, section: _Section) -> int:
    """Read ``(C)`` or ``(A)(1)`` written after a section's body code (``459 PC (A)``).

    Only a letter or one or two digits a group, right after the body: a longer group
    (``(PCP)``) starts the description.
    """
    while True:
        sub = _TRAILING_SUB.match(text, pos)
        if not sub:
            return pos
        section.paths[-1].append(sub.group(1))
        pos = sub.end()


def _assign_body(pending: list[_Section], body: str) -> None:
    """Give ``body`` to the sections read since the previous body code."""
    for index, section in enumerate(pending):
        section.body = body.lower()
        section.own_body = index == len(pending) - 1
    pending.clear()


def _unglue_attempts(section: _Section) -> bool:
    """Rewrite ``664.4149`` and ``6644149`` into the attempted section; True if rewritten."""
    rewritten = False
    while True:
        match = _DOTTED_ATTEMPT.fullmatch(section.number) or _GLUED_ATTEMPT.fullmatch(
            section.number
        )
        if not match:
            return rewritten
        section.number = match.group(1)
        rewritten = True


def _plain(section: _Section, leading_body: str | None, raw: str) -> Charge:
    body = section.body or (leading_body.lower() if leading_body else UNKNOWN_BODY)
    return Charge(raw=raw, body=body, section=section.number, subsections=section.subsections)


def _clean(text: str) -> str:
    upper = text.upper()
    for old, new in _OCR:
        upper = upper.replace(old, new)
    for pattern, new in _BODY_SPELLINGS:
        upper = pattern.sub(new, upper)
    return upper


def find_charge(text: str) -> Charge | None:
    """The first ``<section> <BODY>`` written anywhere in free text, or None.

    Used for the target of a conspiracy (``CONSPIRACY TO COMMIT 211 PC``).
    """
    match = _TARGET.search(_clean(text))
    if not match:
        return None
    found = normalise_charge(match.group())
    if not found.parsed or found.section in (_ATTEMPT, _CONSPIRACY):
        return None
    return Charge(
        raw=found.raw, body=found.body, section=found.section, subsections=found.subsections
    )


@lru_cache(maxsize=65536)
def normalise_charge(text: str) -> Charge:
    """Parse a DOJ charge text; an unparseable text gives a Charge with only ``raw``."""
    cleaned = _clean(text)
    stripped = _PREFIX.sub("", cleaned, count=1)
    scan = _scan(stripped)
    raw = text.strip()
    if not scan.sections:
        return Charge(raw=raw)
    attempt = False
    for section in scan.sections:
        attempt = _unglue_attempts(section) or attempt
    sections = [s for s in scan.sections if s.number != _ATTEMPT]
    if sections and len(sections) < len(scan.sections):
        attempt = True
    elif not sections:
        sections = scan.sections[-1:]
    description = scan.description
    if text.upper() == cleaned and len(cleaned) == len(text):
        description = text[len(text) - len(description) :]  # in the text's own case
    description = description.strip().lstrip("-:").strip()
    if _ATTEMPTED_FLAG.search(scan.description):
        attempt = True
    if sections[-1].number == _ATTEMPT:
        attempt = False  # PC 664 written alone: the attempted offence is not in the text
    conspiracy, target = False, None
    first = sections[0]
    if (
        first.number == _CONSPIRACY
        and len(sections) > 1
        and (first.body in (None, "pc") or not first.own_body)
    ):
        conspiracy = True
        target = _plain(sections[-1], scan.leading_body, "")
        target = target.model_copy(update={"raw": _section_text(target)})
        primary = Charge(raw=raw, body="pc", section=first.number, subsections=first.subsections)
    else:
        primary = _plain(sections[-1], scan.leading_body, raw)
        if primary.section == _CONSPIRACY and primary.body == "pc":
            conspiracy = True
            target = find_charge(scan.description)
    return primary.model_copy(
        update={
            "attempt": attempt,
            "conspiracy": conspiracy,
            "target": target,
            "description": description,
        }
    )


def canonical_text(charge: Charge) -> str:
    """A text that :func:`normalise_charge` reads back into the same charge.

    The form is ``[664/]<section>(<sub>)... <BODY>[/<target>]``, e.g. ``664/487(A) PC``
    or ``182(A)(1) PC/4149 BP``; an unknown body is left out, an unparsed charge gives
    its raw text.
    """
    if not charge.parsed:
        return charge.raw
    text = _section_text(charge)
    if charge.conspiracy and charge.target is not None and charge.target.parsed:
        text = f"{text}/{_section_text(charge.target)}"
    return f"664/{text}" if charge.attempt else text


def _section_text(charge: Charge) -> str:
    subs = "".join(f"({s.upper()})" for s in charge.subsections)
    body = "" if charge.body == UNKNOWN_BODY else f" {(charge.body or '').upper()}"
    return f"{(charge.section or '').upper()}{subs}{body}"
