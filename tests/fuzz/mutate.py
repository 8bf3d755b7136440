"""The seeded mutator: damage some lines of a clean DOJ file and log what was done.

:func:`mutate_file` picks a share of the file's people (``people_share``), then ``rows`` of
their lines to which at least one of the given kinds applies, and damages each with one
kind (the least used so far among those that apply, so a mixed file holds every kind about
equally). Everything is drawn from one :class:`random.Random` seeded with ``seed``: the same
clean file, kinds, seed and counts give the same mutated file, byte for byte.

The :class:`MutationLog` says, for each damaged line, which kind did what, which physical
lines of the mutated file it became, whose line it was, and which people its new text could
be read as belonging to; and, for every physical line of the mutated file, the clean line it
stands for (0 for a line the mutator added or split off).
"""

from __future__ import annotations

import random
import re
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .kinds import KINDS, Kind
from .lines import Columns, Line, fields_of, split_line

_SPLIT = re.compile(r"\r\n|\r|\n")
_TOKEN = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Mutation:
    """One damaged clean line and what became of it."""

    kind: str
    clean_line: int  # its physical line in the clean file
    owner: str  # its SUBJECT_ID in the clean file
    first: int  # the first physical line it became in the mutated file
    category: str  # kinds.REJECT, VALUE or HARMLESS
    expects: tuple[str, ...]  # what the reader must do with each of its lines (Damage)
    reasons: frozenset[str]
    attributable: bool
    whole_file: bool
    named: frozenset[str]  # subject ids its new lines name (their third field)
    ciis: frozenset[str]  # CII numbers its new lines hold (their twelfth field)

    @property
    def lines(self) -> range:
        """The physical lines of the mutated file it became."""
        return range(self.first, self.first + len(self.expects))


@dataclass
class MutationLog:
    """What :func:`mutate_file` did."""

    clean: Path
    path: Path
    seed: int
    mutations: list[Mutation] = field(default_factory=list)
    out_to_clean: array[int] = field(default_factory=lambda: array("l", [0, 1]))
    ciis: dict[str, set[str]] = field(default_factory=dict)  # clean CII -> subject ids
    clean_data_lines: int = 0
    candidates: int = 0  # lines a kind applied to, among the chosen people's

    @property
    def data_lines(self) -> int:
        """Physical lines after the header in the mutated file."""
        return len(self.out_to_clean) - 2

    def by_kind(self) -> Counter[str]:
        """Damaged clean lines by kind."""
        return Counter(m.kind for m in self.mutations)

    @property
    def whole_file(self) -> bool:
        """The file holds damage that makes it unreadable as a whole in UTF-8."""
        return any(m.whole_file for m in self.mutations)


def _clean_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("r", encoding="utf-8", newline="") as handle:
        yield from enumerate(handle, start=1)


def _names(text: str, columns: Columns, known: dict[str, set[str]]) -> tuple[set[str], set[str]]:
    """The subject ids and CII numbers the physical lines of ``text`` may be given by.

    A subject id in the third field; a CII number in the twelfth field, or standing alone
    anywhere (between characters that are not letters or digits) when it is one of the
    ``known`` CII numbers of the clean file.
    """
    named, ciis = set(), set()
    sid, cii = columns["SUBJECT_ID"], columns["CII_NUMBER"]
    for piece in _SPLIT.split(text):
        fields = fields_of(piece)
        if len(fields) > sid and fields[sid].strip() not in ("", "NULL"):
            named.add(fields[sid].strip())
        if len(fields) > cii and fields[cii].strip() not in ("", "NULL"):
            ciis.add(fields[cii].strip())
        ciis.update(token for token in _TOKEN.findall(piece) if token in known)
    return named, ciis


def mutate_file(
    clean: Path,
    out: Path,
    kinds: Sequence[Kind] = KINDS,
    *,
    seed: int,
    rows: int,
    people_share: float = 0.3,
) -> MutationLog:
    """Write ``out``: ``clean`` with ``rows`` of its lines damaged; return the log.

    ``clean`` must start with the DOJ header and hold one record a physical line (as
    ``cmr-reason synth`` writes). Fewer lines are damaged when fewer apply.
    """
    rng = random.Random(seed)
    log = MutationLog(clean, out, seed)
    lines = _clean_lines(clean)
    _, header = next(lines)
    columns = Columns(fields_of(split_line(header)[0]))
    chosen_people: dict[str, bool] = {}
    candidates: list[int] = []
    for number, text in lines:
        line = Line(number, *split_line(text), columns)
        log.clean_data_lines += 1
        if not line.well_formed:  # already damaged: left as it is
            continue
        subject = line.subject
        log.ciis.setdefault(line.cii, set()).add(subject)
        chosen = chosen_people.get(subject)
        if chosen is None:
            chosen = chosen_people[subject] = rng.random() < people_share
        if chosen and any(kind.applies(line) for kind in kinds):
            candidates.append(number)
    log.candidates = len(candidates)
    picked = set(rng.sample(candidates, min(rows, len(candidates))))
    used: Counter[str] = Counter()
    out_to_clean = log.out_to_clean
    with out.open("w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
        handle.write(header)
        for number, text in _clean_lines(clean):
            if number == 1:
                continue
            if number not in picked:
                handle.write(text)
                out_to_clean.append(number)
                continue
            line = Line(number, *split_line(text), columns)
            fitting = [kind for kind in kinds if kind.applies(line)]
            kind = min(fitting, key=lambda k: (used[k.name], rng.random()))
            used[kind.name] += 1
            damage = kind.damage(rng, line)
            handle.write(damage.text + (line.end or "\r\n"))
            named, ciis = _names(damage.text, columns, log.ciis)
            first = len(out_to_clean)
            log.mutations.append(
                Mutation(
                    kind.name,
                    number,
                    line.subject,
                    first,
                    damage.category,
                    damage.expects,
                    damage.reasons,
                    damage.attributable,
                    damage.whole_file,
                    frozenset(named),
                    frozenset(ciis),
                )
            )
            out_to_clean.append(number)
            out_to_clean.extend([0] * (len(damage.expects) - 1))
    return log
