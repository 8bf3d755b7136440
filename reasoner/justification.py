"""Turn a decision's trace atoms into a justification tree.

The tree is built from what the solver derived, never written beside it: the winning rule
(with its citation and the facts it used, each with the input line it came from), the other
rules that fired for the conviction in the order the statute reasons, the conditions checked
and found absent, the candidates set aside by precedence, and the alternative outcome with
the unknown fact that would bring it. Only catalogued rules appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cmr_reason.facts.history import Conviction, History
from cmr_reason.reasoner.catalogue import SLOT, Catalogue
from cmr_reason.reasoner.decision import Decision, Firing, Value

OUTCOME_LABELS = {
    "dismiss_and_seal": "Dismiss and seal",
    "redesignate_misdemeanor": "Redesignate as a misdemeanor",
    "redesignate_infraction": "Redesignate as an infraction",
    "resentence": "Recall and resentence",
    "no_relief": "No relief",
    "not_eligible": "Not eligible",
    "review": "Needs human review",
    "not_applicable": "Not applicable",
}

# The order in which the statute reasons; the trace is shown in this order.
STAGES = (
    "offence_date",
    "tier",
    "old_conduct",
    "now_conduct",
    "now_level",
    "sentence",
    "outcome",
    "policy_fact",
    "policy_outcome",
)
DATE_SLOTS = frozenset(
    {"date", "end", "offence", "conviction", "prior_date", "before", "on", "from", "to"}
)
# Dates taken from the run (the as-of date and windows counted from it): no input line.
RUN_DATE_SLOTS = frozenset({"on", "from", "to"})
# Dates that come from the review database, not from the input file (no source line).
AUDIT_DATE_SLOTS = frozenset({"decided_on"})
PERSON_SLOTS = frozenset({"age"})
# Slots shown exactly as given: names and a reviewer's free-text note (docs/review.md).
VERBATIM_SLOTS = frozenset({"county", "note", "reviewer", "ground", "problem", "file"})

TIER_WORDS = {"under_18": "under 18", "age_18_20": "18 to 20", "age_21_plus": "21 or older"}


def iso(value: Value) -> str:
    """``20100301`` as ``2010-03-01``."""
    text = str(value)
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) == 8 else text


def outcome_label(outcome: str) -> str:
    """A short label for an outcome code."""
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))


@dataclass(frozen=True)
class Record:
    """Looks up the convictions of one history by id, for facts and their sources."""

    history: History | None

    def conviction(self, cid: str) -> Conviction | None:
        """The conviction with id ``cid``, if it is in this history."""
        if self.history is None:
            return None
        for conv in self.history.convictions:
            if conv.conviction_id == cid:
                return conv
        return None

    def describe(self, cid: str) -> str:
        """E.g. ``PC 187 conviction of 1990-04-01``."""
        conv = self.conviction(cid)
        if conv is None:
            return cid
        when = conv.disposition_date.isoformat() if conv.disposition_date else "unknown date"
        code = conv.charge.code_section() or conv.charge.raw or "unknown charge"
        return f"{code} conviction of {when}"

    def source_of(self, cid: str) -> str:
        """``file:line`` of a conviction."""
        conv = self.conviction(cid)
        return conv.source.label() if conv else ""

    def person_source(self) -> str:
        """``file:line`` of the person's identity row."""
        return self.history.person.source.label() if self.history else ""


_NO_RECORD = Record(None)


def render_value(name: str, value: Value, record: Record) -> str:
    """A slot value in words."""
    if (name in DATE_SLOTS or name in AUDIT_DATE_SLOTS) and isinstance(value, int):
        return iso(value)
    if name == "prior" and isinstance(value, str):
        return record.describe(value)
    if name == "charge" and isinstance(value, tuple):
        return f"{str(value[0]).upper()} {value[1]}"
    if name == "clause":
        return str(value).upper()
    if name == "tier":
        return TIER_WORDS.get(str(value), str(value))
    if name == "relief" and isinstance(value, str):
        return outcome_label(value).lower()
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    return (
        str(value).replace("_", " ")
        if isinstance(value, str) and name not in VERBATIM_SLOTS
        else str(value)
    )


def fill(template: str, args: tuple[tuple[str, Value], ...], record: Record) -> str:
    """Fill a template's named slots from a trace atom's arguments."""
    if any(name == "prior" for name, _ in args):  # the one slot that reads the record
        return _fill(template, args, record)
    return _fill_plain(template, args)


def _fill(template: str, args: tuple[tuple[str, Value], ...], record: Record) -> str:
    values = {name: render_value(name, value, record) for name, value in args}
    return SLOT.sub(lambda m: values.get(m.group(1), "{" + m.group(1) + "}"), template)


@lru_cache(maxsize=1 << 14)
def _fill_plain(template: str, args: tuple[tuple[str, Value], ...]) -> str:
    """:func:`fill` for arguments that need no record (most repeat from person to person)."""
    return _fill(template, args, _NO_RECORD)


def _fact_items(
    args: tuple[tuple[str, Value], ...], cid: str, record: Record
) -> list[dict[str, str]]:
    items = []
    prior = next((v for n, v in args if n == "prior" and isinstance(v, str)), None)
    for name, value in args:
        if name == "prior" and isinstance(value, str):
            source = record.source_of(value)
        elif name == "prior_date" and prior is not None:
            source = record.source_of(prior)
        elif name in PERSON_SLOTS:
            source = record.person_source()
        elif name in DATE_SLOTS and name not in RUN_DATE_SLOTS:
            source = record.source_of(cid)
        else:
            source = ""
        items.append({"name": name, "value": render_value(name, value, record), "source": source})
    return items


def rule_node(firing: Firing, cid: str, catalogue: Catalogue, record: Record) -> dict[str, Any]:
    """One rule that fired, with its citation, sentence and facts."""
    entry = catalogue.rule(firing.rule_id)
    node: dict[str, Any] = {
        "rule_id": firing.rule_id,
        "citation": entry.citation,
        "text": fill(entry.template, firing.args, record),
        "facts": _fact_items(firing.args, cid, record),
    }
    if firing.kind in ("outcome", "policy_outcome"):
        parts = firing.conclusion
        node["outcome"], node["reason"] = str(parts[-2]), str(parts[-1])
    return node


def _stage(firing: Firing) -> int:
    return STAGES.index(firing.kind) if firing.kind in STAGES else len(STAGES)


def _on_presumed(firing: Firing) -> bool:
    return firing.branch in (None, "presumed")


def build_tree(
    decision: Decision, catalogue: Catalogue, history: History | None = None
) -> dict[str, Any]:
    """The justification tree of one decision, as plain JSON-ready data."""
    record = Record(history)
    cid = decision.conviction_id
    conv = record.conviction(cid)
    firings = sorted(decision.firings, key=lambda f: (_stage(f), f.rule_id))
    outcome_kinds = ("outcome", "policy_outcome")

    def winner(rule_id: str, kinds: tuple[str, ...]) -> Firing | None:
        for f in firings:
            if f.rule_id == rule_id and f.kind in kinds and _on_presumed(f):
                return f
        return None

    decisive = winner(decision.decided_by, outcome_kinds)
    statutory = winner(decision.statutory_by, ("outcome",))
    because = [
        rule_node(f, cid, catalogue, record)
        for f in firings
        if f.kind not in outcome_kinds and _on_presumed(f)
    ]
    set_aside = [
        rule_node(f, cid, catalogue, record)
        for f in firings
        if f.kind in outcome_kinds and _on_presumed(f) and f not in (decisive, statutory)
    ]
    alternatives = []
    for outcome, fact in decision.alternatives:
        branch = ("alt", fact)
        alt_rule = next(
            (
                f
                for f in firings
                if f.kind == "outcome" and f.branch == branch and f.conclusion[2] == outcome
            ),
            None,
        )
        alternatives.append(
            {
                "outcome": outcome,
                "if": catalogue.unknown_facts.get(fact, fact.replace("_", " ")),
                "rule": rule_node(alt_rule, cid, catalogue, record) if alt_rule else None,
            }
        )
    absent = []
    for absence in decision.absences:
        template = catalogue.absences.get(absence.condition, absence.condition)
        absent.append(fill(template, absence.args, record))
    tree: dict[str, Any] = {
        "conviction_id": cid,
        "charge": conv.charge.code_section() if conv else "",
        "raw_charge": conv.charge.raw if conv else "",
        "level": conv.level.value if conv and conv.level else "",
        "disposition_date": conv.disposition_date.isoformat()
        if conv and conv.disposition_date
        else "",
        "source": conv.source.label() if conv else "",
        "outcome": decision.outcome,
        "reason": decision.reason,
        "reason_text": catalogue.reason_text(decision.reason),
        "rule": rule_node(decisive, cid, catalogue, record) if decisive else None,
        "statutory": {
            "outcome": decision.statutory_outcome,
            "reason": decision.statutory_reason,
            "reason_text": catalogue.reason_text(decision.statutory_reason),
            "rule": rule_node(statutory, cid, catalogue, record) if statutory else None,
        },
        "because": because,
        "checked_absent": absent,
        "set_aside": set_aside,
        "alternatives": alternatives,
        "prosecuting_agency": decision.agency,
        "flags": [
            {"flag": f, "text": catalogue.flags.get(f, f.replace("_", " "))} for f in decision.flags
        ],
    }
    return tree


def one_sentence(tree: dict[str, Any]) -> str:
    """The explanation column: the outcome and the winning rule's sentence."""
    rule = tree.get("rule")
    because = rule["text"] if rule else tree["reason_text"]
    text = f"{outcome_label(tree['outcome'])}: {because}"
    if tree["outcome"] != tree["statutory"]["outcome"] and tree["statutory"]["outcome"]:
        text += f" (Statute alone: {outcome_label(tree['statutory']['outcome']).lower()}.)"
    for alt in tree["alternatives"]:
        text += f" If {alt['if']}: {outcome_label(alt['outcome']).lower()}."
    return text
