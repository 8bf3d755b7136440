"""The small markup a county template renders to, and the pleading it describes.

A template (Jinja2) produces plain text in sections, each opened by a line ``@name``:

- ``@attorney``, ``@court``, ``@parties``, ``@case``: the caption, one line each (blank
  lines in ``@parties`` and ``@signature`` are kept as space; leading spaces indent);
- ``@body``: ``# Heading`` (centred), ``## Heading`` (left), ``1. text`` or ``#. text``
  (numbered paragraph; ``#`` takes the next number), ``> text`` (paragraph without
  indent), other text (indented paragraph);
  paragraphs are separated by blank lines and their lines joined;
  a line opening a heading, a numbered or a ``>`` paragraph also ends the paragraph before;
- ``@dated``: the date line at the left of the signature; ``@signature``: its lines;
- ``@footer``: the short title printed under the page number.

``**bold**`` marks bold text anywhere. The DOCX and PDF writers both render the parsed
:class:`Pleading`, so the two files carry the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CAPTION = ("attorney", "court", "parties", "case")
SECTIONS = (*CAPTION, "body", "dated", "signature", "footer")
NUMBERED = re.compile(r"^(\d+|#)\.\s+(.*)$")
STARTS_BLOCK = re.compile(r"^(#{1,2} |> |(\d+|#)\.\s)")
BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Block:
    """One block of the body: ``heading``, ``subheading``, ``numbered``, ``flush``, ``para``."""

    kind: str
    text: str
    number: str = ""


@dataclass
class Pleading:
    """A motion or order: caption, body blocks, signature and footer."""

    attorney: list[str] = field(default_factory=list)
    court: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    case: list[str] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)
    dated: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    footer: str = ""
    banner: str = ""

    def plain_text(self) -> str:
        """All words of the document in reading order, without markup (for tests)."""
        lines = [*self.attorney, *self.court, *self.parties, *self.case]
        for block in self.body:
            lines.append(f"{block.number}. {block.text}" if block.number else block.text)
        lines += [*self.dated, *self.signature, self.footer]
        return "\n".join(strip_bold(line) for line in lines)


def strip_bold(text: str) -> str:
    """``text`` without ``**`` marks."""
    return BOLD.sub(r"\1", text)


def indent_of(line: str) -> tuple[int, str]:
    """The number of leading spaces of ``line`` and its text."""
    text = line.lstrip(" ")
    return len(line) - len(text), text


def runs(text: str) -> list[tuple[str, bool]]:
    """Split ``text`` into (piece, bold) runs."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in BOLD.finditer(text):
        if match.start() > at:
            pieces.append((text[at : match.start()], False))
        pieces.append((match.group(1), True))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _body_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    last = [0]

    def flush() -> None:
        if not paragraph:
            return
        text = " ".join(part.strip() for part in paragraph)
        paragraph.clear()
        if text.startswith("## "):
            blocks.append(Block("subheading", text[3:].strip()))
        elif text.startswith("# "):
            blocks.append(Block("heading", text[2:].strip()))
        elif text.startswith("> "):
            blocks.append(Block("flush", text[2:].strip()))
        elif match := NUMBERED.match(text):
            number = last[0] + 1 if match.group(1) == "#" else int(match.group(1))
            last[0] = number
            blocks.append(Block("numbered", match.group(2), str(number)))
        else:
            blocks.append(Block("para", text))

    for line in lines:
        if not line.strip():
            flush()
        elif paragraph and STARTS_BLOCK.match(line):
            flush()
            paragraph.append(line)
        else:
            paragraph.append(line)
    flush()
    return blocks


def parse(text: str, source: str) -> Pleading:
    """Parse rendered template text; a malformed template raises ``ValueError``."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("@"):
            name = line[1:].strip()
            if name not in SECTIONS:
                raise ValueError(f"{source}: line {number}: unknown section @{name}")
            if name in sections:
                raise ValueError(f"{source}: line {number}: section @{name} given twice")
            current = sections[name] = []
        elif current is None:
            if line.strip():
                raise ValueError(f"{source}: line {number}: text before the first @section")
        else:
            current.append(line.rstrip())
    missing = [name for name in ("court", "case", "body") if not sections.get(name)]
    if missing:
        raise ValueError(f"{source}: missing section(s) {', '.join('@' + m for m in missing)}")

    def lines_of(name: str) -> list[str]:
        return [line.strip() for line in sections.get(name, []) if line.strip()]

    def spaced(name: str) -> list[str]:
        """Lines with inner blank lines kept (as vertical space), outer ones dropped."""
        lines = [line.rstrip() for line in sections.get(name, [])]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        return lines

    return Pleading(
        attorney=lines_of("attorney"),
        court=lines_of("court"),
        parties=spaced("parties"),
        case=lines_of("case"),
        body=_body_blocks(sections["body"]),
        dated=lines_of("dated"),
        signature=spaced("signature"),
        footer=" ".join(lines_of("footer")),
    )
