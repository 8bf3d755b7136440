"""The outcome vocabulary and the reviewers' choices, as the programs declare them.

Outcomes, their labels, order and kinds are declared once in ``programs/core/vocabulary.lp``
(``outcome/3``, ``outcome_order/2``, ``outcome_result/2``, with the standard a court applies
before an outcome, ``outcome_standard/3``, the phrases of levels, ``level_text/2``, and the
input rows a review rests on, ``reason_rows/2``); the reviewers' actions and
challenge grounds in ``programs/core/review_decisions.lp`` (``review_action/3``,
``challenge_ground/2``, ``challenge_ground_label/3``). Renderers, output rows, impact
figures, the report, the filing and the workbench read them here: grounded once per process
(a few milliseconds) and cached, so no Python module keeps its own list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import clingo

from cmr_reason.reasoner.engine.programs_dir import program_path

FILES = (("core", "vocabulary.lp"), ("core", "review_decisions.lp"))
_SHOW = """
#show outcome/3. #show outcome_order/2. #show outcome_result/2.
#show review_action/3. #show challenge_ground/2. #show challenge_ground_label/3.
#show outcome_standard/3. #show level_text/2. #show reason_rows/2.
"""


@dataclass(frozen=True)
class Vocabulary:
    """Outcome codes in their order, with labels and kinds; actions and grounds likewise."""

    outcomes: tuple[str, ...]
    labels: dict[str, str]
    kinds: dict[str, str]
    results: dict[str, str]
    actions: tuple[str, ...]
    action_labels: dict[str, str]
    grounds: tuple[str, ...]
    ground_labels: dict[str, str]
    ground_texts: dict[str, str]
    standards: dict[str, tuple[str, str]]  # outcome -> (citation, text)
    level_texts: dict[str, str]
    reason_rows: dict[str, str]  # reason -> which input rows its review rests on

    def of_kind(self, *kinds: str) -> tuple[str, ...]:
        """The outcomes of the given kinds (``relief``, ``review``, ...), in order."""
        return tuple(o for o in self.outcomes if self.kinds[o] in kinds)

    @property
    def reliefs(self) -> tuple[str, ...]:
        """The outcomes that are relief under HS 11361.8, in order."""
        return self.of_kind("relief")

    def label(self, code: str) -> str:
        """The label of an outcome code (the code in words when undeclared)."""
        return self.labels.get(code) or code.replace("_", " ")

    def level_text(self, level: str) -> str:
        """How an explanation says conduct is of a level: ``a misdemeanor``, ``lawful``."""
        return self.level_texts.get(level) or level.replace("_", " ")

    def result_label(self, code: str) -> str:
        """How the impact report names the convictions that got an outcome."""
        return self.results.get(code) or code.replace("_", " ")


def _ordered(ranks: dict[str, int]) -> tuple[str, ...]:
    return tuple(sorted(ranks, key=lambda code: (ranks[code], code)))


@cache
def vocabulary() -> Vocabulary:
    """Ground the declaring programs without data and read the vocabulary (cached)."""
    ctl = clingo.Control(["--warn=none"])
    for parts in FILES:
        ctl.load(str(program_path(*parts)))
    ctl.add("base", [], _SHOW)
    ctl.ground([("base", [])])
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    order: dict[str, int] = {}
    results: dict[str, str] = {}
    actions: dict[str, tuple[str, int]] = {}
    grounds: dict[str, tuple[str, int]] = {}
    texts: dict[str, str] = {}
    standards: dict[str, tuple[str, str]] = {}
    level_texts: dict[str, str] = {}
    reason_rows: dict[str, str] = {}
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                args = sym.arguments
                code = str(args[0])
                if sym.name == "outcome":
                    labels[code], kinds[code] = args[1].string, str(args[2])
                elif sym.name == "outcome_order":
                    order[code] = args[1].number
                elif sym.name == "outcome_result":
                    results[code] = args[1].string
                elif sym.name == "review_action":
                    actions[code] = (args[1].string, args[2].number)
                elif sym.name == "challenge_ground":
                    texts[code] = args[1].string
                elif sym.name == "challenge_ground_label":
                    grounds[code] = (args[1].string, args[2].number)
                elif sym.name == "outcome_standard":
                    standards[code] = (args[1].string, args[2].string)
                elif sym.name == "level_text":
                    level_texts[code] = args[1].string
                elif sym.name == "reason_rows":
                    reason_rows[code] = str(args[1])
    missing = sorted(set(labels) ^ set(order))
    if missing:  # a declaration without its place, or the reverse: the programs are wrong
        raise RuntimeError(f"outcome declared without outcome_order (or reverse): {missing}")
    return Vocabulary(
        outcomes=_ordered(order),
        labels=labels,
        kinds=kinds,
        results=results,
        actions=_ordered({a: n for a, (_, n) in actions.items()}),
        action_labels={a: label for a, (label, _) in actions.items()},
        grounds=_ordered({g: n for g, (_, n) in grounds.items()}),
        ground_labels={g: label for g, (label, _) in grounds.items()},
        ground_texts=texts,
        standards=standards,
        level_texts=level_texts,
        reason_rows=reason_rows,
    )
