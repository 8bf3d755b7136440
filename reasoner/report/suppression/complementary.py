"""Which counts the impact report hides: primary and complementary suppression.

Primary: every count from 1 to N-1. Complementary: while a reader could still work a
hidden count out from what the page shows, hide one more count, and repeat:

1. a group with one unknown left gives it away by subtraction: hide the smallest other
   shown count of that group, ties broken by the order it shows its cells (its total only
   when no part is left);
2. otherwise the audit (:mod:`suppression_audit`) finds counts the groups or bounds pin
   together: hide the smallest shown count, in page order, that frees the first of them.

Zeros stay shown. No set order decides anything, so the same figures and N always give the
same hidden counts.
"""

from __future__ import annotations

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.report.figures import Key
from cmr_reason.reasoner.report.suppression.audit import Audit, Group
from cmr_reason.reasoner.report.suppression.groups import PageFigures


class _Pattern:
    """A suppression pattern being grown over one page's figures."""

    def __init__(self, page: PageFigures, below: int) -> None:
        self.page = page
        self.shown_counts = set(page.counts)
        self.hidden = {k for k in page.counts if 0 < abs(page.values[k]) < below}
        keys = [*page.counts, *page.virtual, *page.differences]
        order = {k: i for i, k in enumerate(keys)}
        lower = {k: 1 for k in page.counts} | {k: 0 for k in page.virtual}
        counts = frozenset(page.counts)
        self.audit = Audit(tuple(page.groups), page.values, lower, counts, order)
        self.member: dict[Key, list[int]] = {}
        for i, group in enumerate(page.groups):
            for key in group.keys:
                self.member.setdefault(key, []).append(i)

    def unknown(self) -> set[Key]:
        """What the reader does not see: hidden counts, virtual sums, hidden differences."""
        diffs = {d for d, sides in self.page.differences.items() if self.hidden & set(sides)}
        return self.hidden | set(self.page.virtual) | diffs

    def hideable(self, key: Key) -> bool:
        """A shown, non-zero count (zeros stay shown)."""
        return key in self.shown_counts and key not in self.hidden and self.page.values[key] != 0

    def by_subtraction(self, unknown: set[Key]) -> tuple[Key, Group] | None:
        """A hidden count that one group gives away (a total less its other cells).

        Sums the page does not show are worked out the same way first, as a reader would.
        """
        worked_out: set[Key] = set()
        progress = True
        while progress:
            progress = False
            for group in self.page.groups:
                left = [k for k in group.keys if k in unknown and k not in worked_out]
                if len(left) != 1:
                    continue
                if left[0] in self.hidden:
                    return left[0], group
                worked_out.add(left[0])
                progress = True
        return None

    def complement(self, exposed: Key, unknown: set[Key]) -> Key:
        """The count to hide next so that ``exposed`` is no longer pinned.

        Candidates: when the groups alone fix it, the shown counts of the sum that gives it
        away (hiding one breaks that sum); when the bounds do, every shown count of the
        groups linked to it through unknowns. The smallest candidate that frees
        ``exposed`` wins (ties in page order); if none does alone, the smallest, and the
        caller's loop goes on.
        """
        candidates = self._in_certificate(exposed, unknown) or self._linked(exposed, unknown)
        if not candidates:  # not seen on any page: say so instead of publishing a leak
            raise UserError(
                f"small-cell suppression found no count left to hide to protect {exposed}; "
                "the report is not written (try another --suppress-below)"
            )
        candidates.sort(key=lambda k: (abs(self.page.values[k]), self.audit.order[k]))
        return next((k for k in candidates if self._frees(k, exposed)), candidates[0])

    def in_group(self, group: Group, exposed: Key) -> Key | None:
        """The smallest other part of ``group`` that can be hidden, else its total."""
        parts = [p for p in group.parts if p != exposed and self.hideable(p)]
        if parts:
            return min(parts, key=lambda p: (abs(self.page.values[p]), group.parts.index(p)))
        return group.total if self.hideable(group.total) else None

    def _frees(self, key: Key, exposed: Key) -> bool:
        """Whether hiding ``key`` too leaves ``exposed`` unpinned."""
        self.hidden.add(key)
        try:
            return not self.audit.pinned(exposed, self.unknown())
        finally:
            self.hidden.discard(key)

    def _in_certificate(self, exposed: Key, unknown: set[Key]) -> list[Key]:
        """Shown counts whose weights do not cancel in the sum that gives ``exposed`` away."""
        weights: dict[Key, int] = {}
        for i, weight in self.audit.certificate(exposed, unknown).items():
            group = self.page.groups[i]
            for key, sign in ((group.total, 1), *((p, -1) for p in group.parts)):
                weights[key] = weights.get(key, 0) + sign * weight
        return [k for k, w in weights.items() if w and self.hideable(k)]

    def _linked(self, exposed: Key, unknown: set[Key]) -> list[Key]:
        """Shown counts of every group linked to ``exposed`` through unknowns."""
        seen, frontier, groups = {exposed}, [exposed], set()
        while frontier:
            for i in self.member.get(frontier.pop(), []):
                if i in groups:
                    continue
                groups.add(i)
                for k in self.page.groups[i].keys:
                    if k in unknown and k not in seen:
                        seen.add(k)
                        frontier.append(k)
        return sorted({k for i in groups for k in self.page.groups[i].keys if self.hideable(k)})


def hidden_counts(page: PageFigures, below: int) -> frozenset[Key]:
    """Display keys of every count to hide: none unless ``below`` is 2 or more."""
    if below <= 1:
        return frozenset()
    pattern = _Pattern(page, below)
    while True:
        unknown = pattern.unknown()
        found = pattern.by_subtraction(unknown)
        if found is not None and (cell := pattern.in_group(found[1], found[0])) is not None:
            pattern.hidden.add(cell)
            continue
        exposed = pattern.audit.exposed(unknown)
        if not exposed:
            break
        pattern.hidden.add(pattern.complement(exposed[0], unknown))
    return frozenset(key for key, figure in page.shown_as.items() if figure in pattern.hidden)
