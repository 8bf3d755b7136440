"""Which ways hidden counts can move without breaking a bound, solved exactly.

Near the true values, a hidden count at its least possible value (1 for a hidden count,
0 for a sum the page never shows) may only grow; every other bound has room. The
directions that keep those bounds form a cone. A figure is pinned when it stays the same
along every direction of the cone: its motion is a combination of the cone's *fixed*
constraints, those no direction can make positive. Finding them takes a small linear
programme, solved here by an exact simplex in rational numbers.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from fractions import Fraction

from cmr_reason.reasoner.report.figures import Key
from cmr_reason.reasoner.report.suppression.key_components import KeyComponents

Row = dict[Key, Fraction]
Block = tuple[tuple[tuple[Key, Fraction], ...], ...]  # a block's constraints, sorted
ZERO, ONE = Fraction(0), Fraction(1)


@dataclass
class Cone:
    """Directions ``t`` of the free unknowns with ``row . t >= 0`` for every row.

    ``signs`` are free unknowns at their bound (``t_f >= 0``); ``rows`` the motions of
    unknowns at their bound that the groups tie to the free ones. Constraints that share
    no free unknown are independent, so the cone splits into blocks, solved apart.
    """

    signs: frozenset[Key]
    rows: tuple[Row, ...]
    memo: dict[Block, dict[Key, Row]] = field(default_factory=dict)  # shared between cones
    _blocks: dict[Key, int] = field(default_factory=dict, init=False)
    _fixed: dict[int, dict[Key, Row]] = field(default_factory=dict, init=False)
    _constraints: list[list[Row]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        constraints = [{f: ONE} for f in sorted(self.signs)] + [r for r in self.rows if r]
        components = KeyComponents(constraints)
        find = components.find
        roots: dict[Hashable, int] = {}
        for c in constraints:
            block = roots.setdefault(find(next(iter(c))), len(roots))
            if block == len(self._constraints):
                self._constraints.append([])
            self._constraints[block].append(c)
        self._blocks = {k: roots[find(k)] for k in components.parent}

    def moves(self, target: Row) -> bool:
        """Whether some direction of the cone changes ``target`` (a figure's motion)."""
        if not target:
            return False
        for free in sorted(target):  # one free unknown at a time, either way: usually enough
            for sign in (1, -1):
                if sign < 0 and free in self.signs:
                    continue
                if all(sign * row.get(free, ZERO) >= 0 for row in self.rows):
                    return True
        # Here every free unknown of the target is in some constraint, so in a block.
        for block in sorted({self._blocks[k] for k in target}):
            remainder = {k: v for k, v in target.items() if self._blocks[k] == block}
            for pivot, row in self._fixed_rows(block).items():
                if pivot in remainder:
                    _subtract(remainder, remainder[pivot], row)
            if remainder:
                return True
        return False

    def _fixed_rows(self, block: int) -> dict[Key, Row]:
        """A block's fixed constraints, reduced (pivot -> row), worked out once."""
        if block not in self._fixed:
            constraints = self._constraints[block]
            name = tuple(sorted(tuple(sorted(c.items())) for c in constraints))
            if name not in self.memo:
                left = set(range(len(constraints)))
                while left:  # each round finds at least one constraint that can grow
                    grows = _can_grow(constraints, left)
                    if not grows:
                        break
                    left -= grows
                self.memo[name] = _reduce([constraints[i] for i in sorted(left)])
            self._fixed[block] = self.memo[name]
        return self._fixed[block]


def _can_grow(constraints: list[Row], candidates: set[int]) -> set[int]:
    """Candidates made positive by one direction that keeps all constraints >= 0.

    Maximises the sum of ``s_i`` (each in ``[0, 1]``) with ``c_i . t >= s_i``, ``t`` in
    ``[-1, 1]``: every candidate with ``s_i > 0`` at the optimum can grow.
    """
    free = sorted({k for c in constraints for k in c})
    order = sorted(candidates)
    n_t, n_s = 2 * len(free), len(order)
    limits: list[list[Fraction]] = []
    for i, c in enumerate(constraints):  # -c . (p - m) + s_i <= 0
        plus = [c.get(k, ZERO) for k in free]
        slack = [ONE if j == i else ZERO for j in order]
        limits.append([-v for v in plus] + plus + slack)
    for j in range(n_t + n_s):  # every variable at most 1
        limits.append([ONE if k == j else ZERO for k in range(n_t + n_s)])
    bounds = [ZERO] * len(constraints) + [ONE] * (n_t + n_s)
    cost = [ZERO] * n_t + [ONE] * n_s
    value, y = _maximise(cost, limits, bounds)
    if value == 0:
        return set()
    return {i for j, i in enumerate(order) if y[n_t + j] > 0}


def _maximise(
    cost: list[Fraction], limits: list[list[Fraction]], bounds: list[Fraction]
) -> tuple[Fraction, list[Fraction]]:
    """Max of ``cost . y`` over ``limits . y <= bounds``, ``y >= 0``, with ``bounds >= 0``.

    Dense tableau from ``y = 0`` (feasible because ``bounds >= 0``), Bland's rule so it
    cannot cycle; the problems here are bounded. Returns the optimum and ``y``.
    """
    n, m = len(cost), len(limits)
    table = [
        [*limits[i], *(ONE if j == i else ZERO for j in range(m)), bounds[i]] for i in range(m)
    ]
    reduced = [-c for c in cost] + [ZERO] * (m + 1)
    basis = [n + i for i in range(m)]
    while (enter := next((j for j in range(n + m) if reduced[j] < 0), None)) is not None:
        ratios = [(table[i][-1] / table[i][enter], basis[i], i) for i in range(m)
                  if table[i][enter] > 0]  # fmt: skip
        leave = min(ratios)[2]
        pivot = table[leave][enter]
        table[leave] = [v / pivot for v in table[leave]]
        for i in range(m):
            if i != leave and table[i][enter]:
                factor = table[i][enter]
                table[i] = [a - factor * b for a, b in zip(table[i], table[leave], strict=True)]
        factor = reduced[enter]
        reduced = [a - factor * b for a, b in zip(reduced, table[leave], strict=True)]
        basis[leave] = enter
    y = [ZERO] * n
    for i, j in enumerate(basis):
        if j < n:
            y[j] = table[i][-1]
    return reduced[-1], y


def _reduce(rows: list[Row]) -> dict[Key, Row]:
    """Gauss-Jordan over rows: pivot -> row, 1 on the pivot, 0 on the other pivots."""
    pivots: dict[Key, Row] = {}
    for original in rows:
        row = dict(original)
        for pivot, other in pivots.items():
            if pivot in row:
                _subtract(row, row[pivot], other)
        if not row:
            continue
        pivot = min(row)
        row = {k: v / row[pivot] for k, v in row.items()}
        for other in pivots.values():
            if pivot in other:
                _subtract(other, other[pivot], row)
        pivots[pivot] = row
    return pivots


def _subtract(row: Row, factor: Fraction, other: Row) -> None:
    """``row -= factor * other``, dropping zeros."""
    for k, v in other.items():
        value = row.get(k, ZERO) - factor * v
        if value:
            row[k] = value
        else:
            row.pop(k, None)
