"""The remedies the tool decides, as ``programs/core/vocabulary.lp`` declares them.

``remedy/3`` names each remedy (its code, its citation, a title; a user types the code with
its underscores written as dots, ``pc1203.425``),
``remedy_program/2`` the program files a remedy beside Proposition 64 loads, and
``remedy_outcome_label/3`` with ``remedy_outcome_order/2`` the outcomes such a remedy
concludes. Read once per process by grounding the vocabulary alone. Adding a remedy adds
its programs and these declarations; nothing here changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import clingo

from cmr_reason.facts.calendar_terms import CALENDAR
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR, program_path

PROP64 = "prop64"
_SHOW = """
#show remedy/3. #show remedy_program/2. #show remedy_outcome_label/3.
#show remedy_outcome_order/2. #show remedy_outcomes_of/2.
#show relief_rank/2. #show outcome_takes/2. #show remedy_clears/1.
"""


@dataclass(frozen=True)
class Remedy:
    """One remedy: its code (a clingo constant), user-facing name, citation and title."""

    code: str
    name: str
    citation: str
    title: str
    files: tuple[str, ...] = ()  # program files under programs/ (none for Prop 64)


@dataclass(frozen=True)
class RemedyVocabulary:
    """Every remedy in declaration order, and the outcomes of the remedies beside Prop 64."""

    remedies: tuple[Remedy, ...]
    outcomes: tuple[str, ...]
    labels: dict[str, str]
    kinds: dict[str, str]
    # A person's whole picture (programs/core/vocabulary.lp): how full each outcome's relief
    # is, what it takes, and the remedies whose relief clears a conviction.
    relief_ranks: dict[str, int] = field(default_factory=dict)
    takes: dict[str, str] = field(default_factory=dict)
    clearing: frozenset[str] = frozenset()
    outcomes_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by remedy

    def by_code(self, code: str) -> Remedy:
        """The remedy with this code (a KeyError for an unknown one: a caller's mistake)."""
        return next(r for r in self.remedies if r.code == code)

    def label(self, outcome: str) -> str:
        """The label of a remedy outcome (the code in words when undeclared)."""
        return self.labels.get(outcome) or outcome.replace("_", " ")


@cache
def remedy_vocabulary() -> RemedyVocabulary:
    """Ground the vocabulary alone and read the remedies (cached)."""
    ctl = clingo.Control(["--warn=none"])
    ctl.load(str(program_path("core", "vocabulary.lp")))
    ctl.add("base", [], _SHOW)
    ctl.ground([("base", [])])
    order: list[tuple[str, str, str, str]] = []
    files: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    ranks: dict[str, int] = {}
    relief_ranks: dict[str, int] = {}
    takes: dict[str, str] = {}
    clearing: set[str] = set()
    own: dict[str, set[str]] = {}
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                args = sym.arguments
                if sym.name == "remedy":
                    code = str(args[0])
                    order.append((code, code.replace("_", "."), args[1].string, args[2].string))
                elif sym.name == "remedy_program":
                    files.setdefault(str(args[0]), []).append(args[1].string)
                elif sym.name == "remedy_outcome_label":
                    labels[str(args[0])], kinds[str(args[0])] = args[1].string, str(args[2])
                elif sym.name == "remedy_outcome_order":
                    ranks[str(args[0])] = args[1].number
                elif sym.name == "relief_rank":
                    relief_ranks[str(args[0])] = args[1].number
                elif sym.name == "outcome_takes":
                    takes[str(args[0])] = args[1].string
                elif sym.name == "remedy_clears":
                    clearing.add(str(args[0]))
                elif sym.name == "remedy_outcomes_of":
                    own.setdefault(str(args[0]), set()).add(str(args[1]))
    # Prop 64 first, then the others by code: a fixed order, whatever clingo's.
    order.sort(key=lambda r: (r[0] != PROP64, r[0]))
    remedies = tuple(
        Remedy(code, name, cite, title, tuple(sorted(files.get(code, []))))
        for code, name, cite, title in order
    )
    outcomes = tuple(sorted(ranks, key=lambda o: (ranks[o], o)))
    return RemedyVocabulary(
        remedies=remedies,
        outcomes=outcomes,
        labels=labels,
        kinds=kinds,
        relief_ranks=relief_ranks,
        takes=takes,
        clearing=frozenset(clearing),
        outcomes_of={r: tuple(o for o in outcomes if o in own[r]) for r in sorted(own)},
    )


@cache
def remedy_only_files() -> frozenset[Path]:
    """Program files loaded only for a run that asks for a remedy beside Prop 64."""
    return frozenset(PROGRAMS_DIR / name for r in remedy_vocabulary().remedies for name in r.files)


def remedy_files(codes: tuple[str, ...]) -> list[Path]:
    """The program files of these remedies, each once: core, tables, statutes, in order."""
    names = {name for code in codes for name in remedy_vocabulary().by_code(code).files}
    rank = {"core": 0, "tables": 1, "statutes": 2}
    ordered = sorted(names, key=lambda n: (rank.get(n.split("/", 1)[0], 3), n))
    return [PROGRAMS_DIR / name for name in ordered]


def rule_remedy(program: str, rule_id: str) -> str:
    """The remedy a catalogued rule belongs to, from the file that declares it.

    ``program`` is the file under ``programs/`` (``statutes/pc1203_4.lp``). A file every run
    loads belongs to Prop 64 (with the core and the policy); a file only remedies load belongs
    to that remedy, or, when several load it, to the one the rule id is named after.
    """
    owners = [r.code for r in remedy_vocabulary().remedies if program in r.files]
    if not owners:
        return PROP64
    prefix = rule_id.split(".", 1)[0]
    return prefix if prefix in owners else owners[0]


def _code_of(name: str) -> str | None:
    wanted = name.strip().lower().replace(".", "_").replace("-", "_")
    for remedy in remedy_vocabulary().remedies:
        if wanted in (remedy.code, remedy.name.replace(".", "_")):
            return remedy.code
    return None


def parse_remedies(text: str | None) -> tuple[str, ...]:
    """The remedies a ``--remedy`` value names, Prop 64 first: ``prop64`` when empty.

    One or several names, comma-separated (``prop64,pc1203.425``), or ``all``. Prop 64 is
    decided by every run (the county policies and the court filing rest on it), so a list
    without it still decides it. An unknown name is a one-line error listing the valid ones.
    """
    known = remedy_vocabulary().remedies
    if text is None or not text.strip():
        return (PROP64,)
    names = [part for part in text.split(",") if part.strip()]
    if any(part.strip().lower() == "all" for part in names):
        return tuple(r.code for r in known)
    codes = {PROP64}
    for part in names:
        code = _code_of(part)
        if code is None:
            valid = ", ".join(r.name for r in known)
            raise UserError(f"unknown remedy {part.strip()!r}; valid remedies: {valid} (or all)")
        codes.add(code)
    return tuple(r.code for r in known if r.code in codes)


def beside_prop64(codes: tuple[str, ...]) -> tuple[str, ...]:
    """The remedies of a run other than Prop 64 (those with programs of their own)."""
    return tuple(code for code in codes if code != PROP64)


def remedy_codes(text: str | None) -> tuple[str, ...]:
    """The remedies beside Prop 64 a ``--remedy`` value names (none for ``prop64``)."""
    return beside_prop64(parse_remedies(text))


def remedy_names(codes: tuple[str, ...]) -> list[str]:
    """The user-facing names of remedy codes (``pc1203.425``)."""
    vocab = remedy_vocabulary()
    return [vocab.by_code(code).name for code in codes]


def manifest_remedies(manifest: object) -> tuple[str, ...]:
    """The codes of the remedies beside Prop 64 a run's manifest records (none for older runs)."""
    entries = manifest.get("remedies") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        return ()
    names = ",".join(str(e.get("name", "")) for e in entries if isinstance(e, dict))
    return beside_prop64(parse_remedies(names)) if names else ()


def shows_prop64(value: str | None) -> bool:
    """Whether ``--remedy`` asks for Prop 64's explanation (no value, prop64 or all)."""
    if value is None:
        return True
    names = [p.strip().lower() for p in value.split(",")]
    return "all" in names or PROP64 in names or parse_remedies(value) == (PROP64,)


def fact_text(remedy: str, fact: str) -> str:
    """A missing fact or a condition of ``remedy`` in words, else the code.

    The words are that remedy's own ``remedy_fact_text/3``: two remedies may use the same
    code (``offence_detail``) with different wording, and neither takes the other's.
    """
    return _phrases()[0].get((remedy, fact), fact.replace("_", " "))


@cache
def _phrases() -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """``remedy_fact_text/3`` and ``remedy_reason/3`` by remedy and code, grounded once."""
    ctl = clingo.Control(["--warn=none"])
    for remedy in remedy_vocabulary().remedies:
        for name in remedy.files:
            if name.startswith("statutes/"):
                ctl.load(str(PROGRAMS_DIR / name))
    ctl.add("base", [], "#show remedy_fact_text/3. #show remedy_reason/3.")
    ctl.ground([("base", [])], context=CALENDAR)
    facts: dict[tuple[str, str], str] = {}
    reasons: dict[tuple[str, str], str] = {}
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                remedy, code, text = sym.arguments
                table = facts if sym.name == "remedy_fact_text" else reasons
                table[(str(remedy), str(code))] = text.string
    return dict(sorted(facts.items())), dict(sorted(reasons.items()))


def reason_text(remedy: str, reason: str) -> str:
    """The plain phrase of a remedy's reason code (``remedy_reason/3``), else the code."""
    return _phrases()[1].get((remedy, reason), reason.replace("_", " "))
