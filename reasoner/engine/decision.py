"""What the solver decided for one conviction, with the trace it derived.

Plain dataclasses (not pydantic) because millions are built in a bulk run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter

# A slot value from a trace atom: int, str, or a tuple (functor name, *arguments).
Value = int | str | tuple


_BRANCHED = frozenset({"outcome", "now_conduct", "now_level"})


# The classes below that a bulk run makes by the thousand have their own ``__init__``
# (``init=False``): compiled by mypyc it costs about a third of the one the dataclass decorator
# generates at import time, which the interpreter runs (tests/bench/analysis.md, eighth round).


@dataclass(slots=True, init=False, unsafe_hash=True)
class Firing:
    """One catalogued rule that fired for a conviction: its id, conclusion and slot values.

    ``kind`` and ``branch`` are worked out once, when the firing is made (a bulk run reads
    them many times for every firing); they take no part in comparisons. Treated as frozen
    (hashed on its id, conclusion and slots; the lean reader shares one firing between the
    convictions it fired for): nothing sets a field after ``__init__`` but ``_order``, a
    cache. Not ``frozen=True``: that ``__init__`` would set every field through
    ``object.__setattr__``, four times the cost of the compiled one.
    """

    rule_id: str
    conclusion: Value
    args: tuple[tuple[str, Value], ...]
    #: The conclusion's functor, e.g. ``outcome``, ``tier``, ``policy_outcome``.
    kind: str = field(init=False, repr=False, compare=False)
    #: The branch of an ``outcome``/``now_conduct``/``now_level`` conclusion, if any.
    branch: Value | None = field(init=False, repr=False, compare=False)
    # The firing's place in a decision's canonical order, made when first sorted.
    _order: tuple[str, str, str] | None = field(init=False, repr=False, compare=False, default=None)

    def __init__(
        self, rule_id: str, conclusion: Value, args: tuple[tuple[str, Value], ...]
    ) -> None:
        kind = conclusion[0] if isinstance(conclusion, tuple) else str(conclusion)
        self.rule_id = rule_id
        self.conclusion = conclusion
        self.args = args
        self.kind = kind
        self.branch = conclusion[1] if kind in _BRANCHED else None  # type: ignore[index]
        self._order = None


def _firing_order(firing: Firing) -> tuple[str, str, str]:
    """A firing's place in a decision's canonical order (the lean reader shares firings)."""
    order = firing._order
    if order is None:
        order = (firing.rule_id, repr(firing.conclusion), repr(firing.args))
        firing._order = order
    return order


_rule_id = attrgetter("rule_id")


@dataclass(frozen=True, slots=True)
class Absence:
    """A condition the rules checked and found absent from the record."""

    condition: str
    args: tuple[tuple[str, Value], ...]


@dataclass(slots=True, init=False)
class Decision:
    """The decision for one conviction under a policy, and its statutory decision."""

    conviction_id: str
    outcome: str = ""
    reason: str = ""
    decided_by: str = ""
    statutory_outcome: str = ""
    statutory_reason: str = ""
    statutory_by: str = ""
    alternatives: list[tuple[str, str]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    firings: list[Firing] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    record_after: str = ""
    record_before: str = ""  # set only where a later disposition changed the record
    cannabis_related: bool = False
    agency: str = ""
    # The winning rule of each alternative branch: unknown fact -> rule id (full view only).
    alternative_by: dict[str, str] = field(default_factory=dict)
    # A review's candidate outcomes (review_candidate/3, full view only).
    review_candidates: list[str] = field(default_factory=list)
    # What a reviewer may decide (programs/core/review_decisions.lp; full view only): the
    # relief a grant gives, the reliefs the conviction can get, and each refused choice as
    # (what, code, problem), what being relief, ground or action.
    statute_relief: str = ""
    relief_options: list[str] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)

    def __init__(
        self,
        conviction_id: str,
        outcome: str = "",
        reason: str = "",
        decided_by: str = "",
        statutory_outcome: str = "",
        statutory_reason: str = "",
        statutory_by: str = "",
        alternatives: list[tuple[str, str]] | None = None,
        flags: list[str] | None = None,
        firings: list[Firing] | None = None,
        absences: list[Absence] | None = None,
        record_after: str = "",
        record_before: str = "",
        cannabis_related: bool = False,
        agency: str = "",
        alternative_by: dict[str, str] | None = None,
        review_candidates: list[str] | None = None,
        statute_relief: str = "",
        relief_options: list[str] | None = None,
        refused: list[tuple[str, str, str]] | None = None,
    ) -> None:
        self.conviction_id = conviction_id
        self.outcome = outcome
        self.reason = reason
        self.decided_by = decided_by
        self.statutory_outcome = statutory_outcome
        self.statutory_reason = statutory_reason
        self.statutory_by = statutory_by
        self.alternatives = [] if alternatives is None else alternatives
        self.flags = [] if flags is None else flags
        self.firings = [] if firings is None else firings
        self.absences = [] if absences is None else absences
        self.record_after = record_after
        self.record_before = record_before
        self.cannabis_related = cannabis_related
        self.agency = agency
        self.alternative_by = {} if alternative_by is None else alternative_by
        self.review_candidates = [] if review_candidates is None else review_candidates
        self.statute_relief = statute_relief
        self.relief_options = [] if relief_options is None else relief_options
        self.refused = [] if refused is None else refused

    def sort(self) -> None:
        """Put every list in a canonical order (output must not depend on solver order)."""
        if self.alternatives:
            self.alternatives.sort()
        if self.relief_options:
            self.relief_options.sort()
        if self.review_candidates:
            self.review_candidates = sorted(set(self.review_candidates))
        if self.refused:
            self.refused.sort()
        if len(self.flags) > 1:
            self.flags = sorted(set(self.flags))
        firings = self.firings
        if len(firings) > 1:
            # By rule id alone when the ids differ (nearly always): the same order as the
            # full key, whose first part is the id, without printing conclusions and slots.
            firings.sort(key=_rule_id)
            previous = firings[0].rule_id
            for firing in firings[1:]:
                if firing.rule_id == previous:
                    firings.sort(key=_firing_order)  # stable: ties kept as they came
                    break
                previous = firing.rule_id
        if self.absences:
            self.absences.sort(key=lambda a: (a.condition, repr(a.args)))
