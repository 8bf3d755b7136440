"""What a reader can work out about hidden counts from the counts a page shows.

The page's figures are tied by additive groups (a total and the parts that add up to it).
The reader knows every shown figure and every group. A hidden figure is *exposed* when the
groups fix its value: either linear algebra alone pins it (a total less the parts shown,
or any sum and difference of groups), or it could only change by taking another hidden
count below 1 (zeros are shown, so a hidden count is at least 1) or a figure the page never
shows below 0. This is the attacker's problem a statistical office audits a suppression
pattern against, solved exactly in rational numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd
from typing import TypeVar

from cmr_reason.reasoner.report.figures import Key
from cmr_reason.reasoner.report.suppression.bound_cone import Block, Cone
from cmr_reason.reasoner.report.suppression.key_components import KeyComponents

Row = dict[Key, Fraction]
_K = TypeVar("_K", bound=Hashable)


@dataclass(frozen=True)
class Group:
    """``total`` = the sum of ``parts``, as a reader of the page can check."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def keys(self) -> tuple[Key, ...]:
        """The total, then the parts."""
        return (self.total, *self.parts)


@dataclass
class Audit:
    """Audits suppression patterns over fixed figures and groups.

    ``counts`` are the figures a page shows unless hidden; the audit reports those it finds
    exposed. ``lower`` is the least value a reader knows an unknown figure has (absent: no
    bound, as for a difference, which may be negative); ``order`` is the page order.
    Results are cached by the set of unknowns they depend on, so re-auditing after one more
    cell is hidden redoes only the part of the page that cell touches.
    """

    groups: tuple[Group, ...]
    values: dict[Key, int]
    lower: dict[Key, int]
    counts: frozenset[Key]
    order: dict[Key, int]
    _cache: dict[frozenset[Key], list[Key]] = field(default_factory=dict)
    _cones: dict[Block, dict[Key, Row]] = field(default_factory=dict)

    def exposed(self, unknown: set[Key]) -> list[Key]:
        """The hidden counts (``unknown`` & ``counts``) whose value a reader can work out."""
        found: list[Key] = []
        for keys, rows in _components(self._rows(unknown)):
            if keys not in self._cache:
                self._cache[keys] = self._component(rows)
            found += self._cache[keys]
        return sorted(found, key=self.order.__getitem__)

    def pinned(self, key: Key, unknown: set[Key]) -> bool:
        """Whether a reader can work out ``key`` (a hidden count) when ``unknown`` is hidden."""
        rows = next(rows for keys, rows in _components(self._rows(unknown)) if key in keys)
        return bool(self._component(rows, only=key))

    def certificate(self, key: Key, unknown: set[Key]) -> dict[int, int]:
        """Weights of the groups (by index) whose weighted sum gives ``key`` away.

        Empty when the groups alone do not fix ``key`` (the bounds may still pin it).
        Hiding a shown cell whose weights do not cancel over these groups breaks the sum.
        """
        rows = next(rows for keys, rows in _components(self._rows(unknown)) if key in keys)
        pivots = _reduce(rows, self._pivot_rank)
        if key in pivots and list(pivots[key].row) == [key]:
            return pivots[key].sources
        return {}

    def _rows(self, unknown: set[Key]) -> list[Equation]:
        """Each group as an equation over the unknowns it holds."""
        found = []
        for i, group in enumerate(self.groups):
            row = _row(group, unknown)
            if row:
                found.append(Equation(row, {i: 1}))
        return found

    def _tight(self, key: Key) -> bool:
        """Whether the figure is at the least value a reader knows it has."""
        return key in self.lower and self.values[key] == self.lower[key]

    def _pivot_rank(self, key: Key) -> tuple[bool, bool, int]:
        # Figures at their bound, then hidden counts, are pivots last: left free, their
        # bounds are plain signs (t >= 0), so one free unknown at a time usually decides.
        return (self._tight(key), key in self.counts, self.order[key])

    def _component(self, rows: list[Equation], only: Key | None = None) -> list[Key]:
        """Hidden counts of one connected set of groups (or just ``only``) that are pinned."""
        pivots = {k: e.row for k, e in _reduce(rows, self._pivot_rank).items()}
        keys = sorted({k for e in rows for k in e.row}, key=self.order.__getitem__)
        tight = [k for k in keys if self._tight(k)]
        cone = Cone(
            signs=frozenset(k for k in tight if k not in pivots),
            rows=tuple(_motion(k, pivots) for k in tight if k in pivots),
            memo=self._cones,
        )
        targets = [only] if only is not None else [k for k in keys if k in self.counts]
        return [k for k in targets if not cone.moves(_motion(k, pivots))]


def _combine_into(mine: dict[_K, int], theirs: dict[_K, int], scale: int, factor: int) -> None:
    """``mine = scale * mine - factor * theirs`` in place, dropping the keys that become 0."""
    for k in mine:
        mine[k] *= scale
    for k, v in theirs.items():
        value = mine.get(k, 0) - factor * v
        if value:
            mine[k] = value
        else:
            mine.pop(k, None)


@dataclass
class Equation:
    """Integer coefficients of unknowns summing to a known value, and the groups it adds.

    Kept in integers (a row is scaled, never divided): the groups' coefficients are 1 and
    -1, so elimination stays small and exact without fractions.
    """

    row: dict[Key, int]
    sources: dict[int, int]

    def combine(self, scale: int, factor: int, other: Equation) -> None:
        """``self = scale * self - factor * other``, then divided by its common factor."""
        _combine_into(self.row, other.row, scale, factor)
        _combine_into(self.sources, other.sources, scale, factor)
        common = gcd(*self.row.values(), *self.sources.values())
        if common > 1:
            self.row = {k: v // common for k, v in self.row.items()}
            self.sources = {k: v // common for k, v in self.sources.items()}


def _row(group: Group, unknown: set[Key]) -> dict[Key, int]:
    """The group as coefficients of its unknowns (total +1, parts -1)."""
    row: dict[Key, int] = {}
    for key, sign in ((group.total, 1), *((p, -1) for p in group.parts)):
        if key in unknown:
            row[key] = row.get(key, 0) + sign
    return {k: v for k, v in row.items() if v}


def _components(rows: list[Equation]) -> Iterable[tuple[frozenset[Key], list[Equation]]]:
    """Equations grouped by the unknowns they share (union-find)."""
    find = KeyComponents(equation.row for equation in rows).find
    members: dict[Hashable, list[Equation]] = {}
    for equation in rows:
        members.setdefault(find(next(iter(equation.row))), []).append(equation)
    for component in members.values():
        yield frozenset(k for e in component for k in e.row), component


def _reduce(rows: list[Equation], rank: Callable[[Key], tuple[int, ...]]) -> dict[Key, Equation]:
    """Gauss-Jordan: pivot key -> its equation, 0 on the other pivots."""
    pivots: dict[Key, Equation] = {}
    for original in rows:
        equation = Equation(dict(original.row), dict(original.sources))
        for p, other in pivots.items():
            if p in equation.row:
                equation.combine(other.row[p], equation.row[p], other)
        if not equation.row:
            continue
        p = min(equation.row, key=rank)
        for other in pivots.values():
            if p in other.row:
                other.combine(equation.row[p], other.row[p], equation)
        pivots[p] = equation
    return pivots


def _motion(key: Key, pivots: dict[Key, dict[Key, int]]) -> Row:
    """How ``key`` changes as the free unknowns change (empty: the groups fix it).

    Scaled by a positive number, which changes neither which way it moves nor whether.
    """
    if key not in pivots:
        return {key: Fraction(1)}
    row = pivots[key]
    sign = 1 if row[key] > 0 else -1
    return {f: Fraction(-sign * v) for f, v in row.items() if f != key}
