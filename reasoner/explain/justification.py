"""Turn a decision's trace atoms into a justification tree.

The tree is built from what the solver derived, never written beside it: the winning rule
(with its citation and the facts it used, each with the input line it came from), the other
rules that fired for the conviction in the order the statute reasons, the conditions checked
and found absent, the candidates set aside by precedence, and the alternative outcome with
the unknown fact that would bring it. Only catalogued rules appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cmr_reason.facts.history import Conviction, History, Source
from cmr_reason.reasoner.engine.catalogue import SLOT, Catalogue
from cmr_reason.reasoner.engine.decision import Decision, Firing, Value
from cmr_reason.reasoner.engine.vocabulary import vocabulary

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

# Slots whose value is a level said as a predicate ("is {now} today"): level_text/2.
LEVEL_PHRASE_SLOTS = frozenset({"now"})
# "a {slot}" / "an {slot}" in a template: the article agrees with the value filled in.
ARTICLE_SLOT = re.compile(r"\b([Aa]n?) \{([a-z_]+)\}")

TIER_WORDS = {"under_18": "under 18", "age_18_20": "18 to 20", "age_21_plus": "21 or older"}


def iso(value: Value) -> str:
    """``20100301`` as ``2010-03-01``."""
    text = str(value)
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) == 8 else text


def outcome_label(outcome: str) -> str:
    """A short label for an outcome code (``outcome/3`` in ``programs/core/vocabulary.lp``)."""
    return vocabulary().label(outcome)


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

    def date_source(self, cid: str, day: Value) -> str:
        """``file:line`` of a date of conviction ``cid``: the arrest row for its arrest date."""
        conv = self.conviction(cid)
        if conv is None:
            return ""
        arrest, when = conv.arrest_source, conv.arrest_date
        if arrest is not None and when is not None and iso(day) == when.isoformat():
            return arrest.label()
        return conv.source.label()

    def registration_source(self, day: Value) -> str:
        """``file:line`` of the registration of that day (``YYYYMMDD``), if there is one."""
        if self.history is None:
            return ""
        for reg in self.history.registrations:
            if reg.date is not None and iso(day) == reg.date.isoformat():
                return reg.source.label()
        return ""

    def rows(self, kind: str, cid: str) -> list[str]:
        """``file:line`` of the input rows a review rests on (``reason_rows/2``)."""
        conv = self.conviction(cid)
        sources = []
        if kind == "birth_rows" and self.history is not None:
            person = self.history.person
            sources = list(person.birth_sources) or [person.source]
        elif conv is not None and conv.conflict_sources:
            sources = list(conv.conflict_sources)
        elif kind == "count_rows" and conv is not None:
            sources = [conv.source]
        elif kind == "date_rows" and conv is not None:
            sources = [s for s in (conv.arrest_source, conv.source) if s is not None]
        return list(dict.fromkeys(_lines(source) for source in sources))


_NO_RECORD = Record(None)


def _lines(source: Source) -> str:
    """``file:3, 5, 9`` (every line, not a range: the rows in between may be others)."""
    if len(source.lines) <= 1:
        return source.label()
    return f"{source.file}:{', '.join(str(n) for n in sorted(set(source.lines)))}"


def _article(value: str) -> str:
    return "an" if value[:1].lower() in "aeiou" else "a"


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
    if name in LEVEL_PHRASE_SLOTS and isinstance(value, str):
        return vocabulary().level_text(value)
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

    def article(match: re.Match[str]) -> str:
        word, name = match.group(1), match.group(2)
        value = values.get(name)
        if not value:
            return match.group(0)
        right = _article(value)
        return f"{right.capitalize() if word[0].isupper() else right} {{{name}}}"

    if "{" in template:
        template = ARTICLE_SLOT.sub(article, template)
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
        elif name == "prior_date":  # a prior with no conviction: a registration's date
            source = record.registration_source(value) or record.source_of(cid)
        elif name in PERSON_SLOTS:
            source = record.person_source()
        elif name in DATE_SLOTS and name not in RUN_DATE_SLOTS:
            source = record.date_source(cid, value)
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
        if not isinstance(parts, tuple):
            raise ValueError(f"rule {firing.rule_id}: an outcome needs its terms, got {parts}")
        node["outcome"], node["reason"] = str(parts[-2]), str(parts[-1])
    return node


def _stage(firing: Firing) -> int:
    return STAGES.index(firing.kind) if firing.kind in STAGES else len(STAGES)


def _on_presumed(firing: Firing) -> bool:
    return firing.branch in (None, "presumed")


def alternative_winner(decision: Decision, fact: str) -> Firing | None:
    """The ranked rule that wins the alternative branch ``alt(fact)``, as the programs say.

    The one place that reads which rule decides an alternative (``alternative_by/3`` of the
    full view, the ranked winner of the branch): not the first rule that fired there.
    """
    rule_id = decision.alternative_by.get(fact)
    if rule_id is None:
        return None
    branch = ("alt", fact)
    for firing in decision.firings:
        if firing.rule_id == rule_id and firing.kind == "outcome" and firing.branch == branch:
            return firing
    return None


def review_candidates(decision: Decision) -> list[str]:
    """The outcomes a review chooses between (``review_candidate/3``), in outcome order.

    Empty for a decision that is not a review, and for a review whose rules stopped before
    reaching any outcome (a missing birth date: the age decides every reading).
    """
    if vocabulary().kinds.get(decision.outcome) != "review":
        return []
    order = {code: n for n, code in enumerate(vocabulary().outcomes)}
    return sorted(decision.review_candidates, key=lambda o: (order.get(o, len(order)), o))


def conflicting_rows(decision: Decision, record: Record) -> list[str]:
    """The input rows (``file:line``) a review for bad data rests on (``reason_rows/2``)."""
    if vocabulary().kinds.get(decision.outcome) != "review":
        return []
    kind = vocabulary().reason_rows.get(decision.reason)
    return record.rows(kind, decision.conviction_id) if kind else []


def standard(outcome: str) -> dict[str, str] | None:
    """The standard a court applies before granting ``outcome`` (``outcome_standard/3``)."""
    found = vocabulary().standards.get(outcome)
    return {"citation": found[0], "text": found[1]} if found else None


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
        alt_rule = alternative_winner(decision, fact)
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
        "candidates": review_candidates(decision),
        "conflicting_rows": conflicting_rows(decision, record),
        "standard": standard(decision.outcome),
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
