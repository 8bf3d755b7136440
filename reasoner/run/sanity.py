"""Sanity warnings of a run: settings that make a run decide little, said in plain words.

A misspelt ``--county``, another county's policy, an as-of date before the Act or in the
future, or a relief rate far below the usual all give correct decisions of the wrong
question, with exit status 0. The run says so on stderr and records each warning in its
manifest (docs/outputs.md "Warnings"). Nothing here decides anything: the checks read the
run's counts and settings after the decisions are made.

No warning echoes input text: a county is named only when it is one of California's 58
(:mod:`cmr_reason.facts.counties`); any other text of the county field is counted as
"other". Only the as-of checks read the clock (``today``), and only to warn.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import clingo

from cmr_reason.facts.counties import CALIFORNIA_COUNTIES
from cmr_reason.facts.dates import from_yyyymmdd
from cmr_reason.facts.history_reader import LpSettings
from cmr_reason.reasoner.engine.policy_catalogue import read_policy_spec
from cmr_reason.reasoner.engine.program_set import ProgramSet, policy_key
from cmr_reason.reasoner.engine.programs_dir import program_path
from cmr_reason.reasoner.run.rows import RELIEF

#: Under this share of the convictions HS 11361.8 addresses relieved, a run warns (see
#: docs/outputs.md: the statute alone relieves most of them in a county's file).
RELIEF_FLOOR = 0.5
#: Fewer addressed convictions than this say nothing about a rate; no relief warning.
MIN_ADDRESSED = 20
#: A policy whose county holds under this share of the convictions in the run's scope warns.
POLICY_COUNTY_SHARE = 0.10
LISTED_COUNTIES = 8  # counties named in a warning; the rest are summed


@dataclass(frozen=True)
class RunWarning:
    """One warning: a stable code and a plain-English message."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """The warning as the manifest records it."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class RunCounts:
    """What the checks read from a finished run."""

    by_county: Mapping[str, int]  # every conviction, by county as written
    addressed: Mapping[tuple[str, str, str], int]  # (county, outcome, reason) -> convictions
    rows_in: int = 0
    rows_rejected: int = 0


@cache
def act_date() -> dt.date:
    """The day Proposition 64 took effect, as ``programs/core/time.lp`` states it."""
    text = program_path("core", "time.lp").read_text(encoding="utf-8")
    found = re.search(r"^act_date\((\d{8})\)\.", text, re.MULTILINE)
    if found is None:  # pragma: no cover - the program always states it
        raise RuntimeError("programs/core/time.lp does not state act_date/1")
    return from_yyyymmdd(int(found.group(1)))


def policy_county(programs: ProgramSet) -> str:
    """The county a policy covers (its ``county`` parameter, as set), or "" for none."""
    for line in programs.param_facts.splitlines():
        term = clingo.parse_term(line.strip().rstrip("."))
        if term.name == "policy_param" and str(term.arguments[0]) == "county":
            return term.arguments[1].string
    spec = read_policy_spec(programs.policy_file)
    param = spec.params.get("county")
    if param is None or not param.defaults:
        return ""
    value = param.defaults[0]
    return "" if value == "''" else value


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _pct(part: int, whole: int) -> str:
    """A share in percent: whole numbers, one decimal under 1 % (never "0 %" for a part)."""
    share = 100 * part / whole if whole else 0.0
    return f"{share:.1f} %" if 0 < share < 1 else f"{share:.0f} %"


def county_listing(counts: Mapping[str, int]) -> str:
    """Counties and their counts, largest first; text that is no county name is "other"."""
    named: Counter[str] = Counter()
    other = blank = 0
    for raw, count in counts.items():
        name = " ".join(raw.split()).upper()
        if name in CALIFORNIA_COUNTIES:
            named[name] += count
        elif name:
            other += count
        else:
            blank += count
    ranked = sorted(named.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"{name} {count:,}" for name, count in ranked[:LISTED_COUNTIES]]
    rest = ranked[LISTED_COUNTIES:]
    if rest:
        parts.append(f"{len(rest)} more counties {sum(n for _, n in rest):,}")
    if other:
        parts.append(f"other (not a California county name) {other:,}")
    if blank:
        parts.append(f"no county recorded {blank:,}")
    return ", ".join(parts) or "none"


def closest_county(name: str, present: Mapping[str, int]) -> str | None:
    """The county name nearest ``name`` (difflib), preferring counties the input holds."""
    held = {" ".join(c.split()).upper() for c in present}
    matches = difflib.get_close_matches(name, CALIFORNIA_COUNTIES, n=3, cutoff=0.6)
    if not matches:
        return None
    return sorted(matches, key=lambda m: (m not in held, matches.index(m)))[0]


def as_of_warnings(as_of: dt.date, today: dt.date) -> list[RunWarning]:
    """An as-of date before the Act took effect, or after today."""
    found = []
    act, day = act_date(), as_of.isoformat()
    if as_of < act:
        message = (
            f"the as-of date {day} is before Proposition 64 took effect ({_day(act)}): "
            "HS 11361.8 did not exist then, yet the run decides as if it did; ages, "
            "completed sentences and look-back windows are counted to that date"
        )
        found.append(RunWarning("as_of_before_act", message))
    if as_of > today:
        message = (
            f"the as-of date {day} is after today ({today.isoformat()}): people are aged "
            "and sentences counted as served up to a day that has not come, so some relief "
            "may not yet be due"
        )
        found.append(RunWarning("as_of_in_future", message))
    return found


def county_warning(county: str, counts: RunCounts) -> RunWarning | None:
    """``--county`` names a county no conviction of the input is from."""
    if counts.by_county.get(county):
        return None
    total = sum(counts.by_county.values())
    closest = closest_county(county, counts.by_county)
    if closest == county:  # held, but written otherwise (case, spaces)
        hint = "; the input writes that name in another case or spacing, which no scope matches."
    else:
        hint = f"; did you mean {closest}?" if closest else "."
    return RunWarning(
        "county_matches_nothing",
        (
            f"--county {county} matches none of the input's {total:,} convictions, so the run "
            f"decides none of them{hint} The input's convictions by county: "
            f"{county_listing(counts.by_county)}"
        ),
    )


def _addressed_by_county(counts: RunCounts, scope: str | None) -> Counter[str]:
    by_county: Counter[str] = Counter()
    for (county, _, _), n in counts.addressed.items():
        if scope is None or county == scope:
            by_county[county] += n
    return by_county


def policy_county_warning(
    policy: str, covers: str, scope: str | None, counts: RunCounts
) -> RunWarning | None:
    """A policy whose county holds little of what the run decides."""
    in_scope = _addressed_by_county(counts, scope)
    whole = sum(in_scope.values())
    if not covers or not whole:
        return None
    part = in_scope.get(covers, 0)
    if part >= POLICY_COUNTY_SHARE * whole:
        return None
    where = f"in the run's county scope {scope}" if scope else "in the input"
    return RunWarning(
        "policy_county_mismatch",
        (
            f"the policy {policy} covers {covers} county, but only {part:,} of the {whole:,} "
            f"convictions HS 11361.8 addresses {where} ({_pct(part, whole)}) are from there: "
            "the policy decides the others as outside its county. Those convictions by county: "
            f"{county_listing(_addressed_by_county(counts, None))}. Choose the policy of the "
            "file's county, or a policy file that sets its county"
        ),
    )


def _causes(counts: RunCounts) -> list[tuple[int, str]]:
    """Why addressed convictions were not relieved, largest first."""
    causes: Counter[str] = Counter()
    for (_, outcome, reason), n in counts.addressed.items():
        if outcome in RELIEF:
            continue
        if reason == "outside_county":
            causes["outside the county the run or its policy covers (scope)"] += n
        elif outcome == "review":
            causes["need review"] += n
        elif reason == "post_act_offence":
            causes[f"post-Act convictions (offence on or after {_day(act_date())})"] += n
        elif outcome == "not_eligible":
            causes["not eligible for other reasons (by_reason in summary.json)"] += n
        elif outcome == "no_relief":
            causes["no relief: the penalty is the same today"] += n
        else:
            causes[f"{outcome.replace('_', ' ')}"] += n
    return sorted(((n, text) for text, n in causes.items()), key=lambda c: (-c[0], c[1]))


def relief_warning(policy: str, counts: RunCounts) -> RunWarning | None:
    """A relief rate far below the usual, with what kept it low."""
    whole = sum(counts.addressed.values())
    if whole < MIN_ADDRESSED:
        return None
    relieved = sum(n for (_, outcome, _), n in counts.addressed.items() if outcome in RELIEF)
    if relieved >= RELIEF_FLOOR * whole:
        return None
    why = [f"{n:,} {text}" for n, text in _causes(counts)]
    if counts.rows_rejected:
        why.append(
            f"besides, {counts.rows_rejected:,} of {counts.rows_in:,} input rows "
            f"({_pct(counts.rows_rejected, counts.rows_in)}) were rejected (rejects.csv) and "
            "are in none of these figures"
        )
    return RunWarning(
        "relief_rate_low",
        (
            f"the policy {policy} relieves {relieved:,} of the {whole:,} convictions HS 11361.8 "
            f"addresses ({_pct(relieved, whole)}), far below the usual (in a county's DOJ file "
            "the statute alone relieves most of them; this warns under half). Not relieved: "
            f"{'; '.join(why)}"
        ),
    )


def run_warnings(
    *,
    as_of: dt.date,
    today: dt.date,
    county: str | None,
    programs: ProgramSet,
    counts: RunCounts,
) -> list[RunWarning]:
    """Every warning of a finished run, in a fixed order."""
    found = as_of_warnings(as_of, today)
    checks = [
        county_warning(county, counts) if county else None,
        policy_county_warning(programs.policy_name, policy_county(programs), county, counts),
        relief_warning(programs.policy_name, counts),
    ]
    found += [w for w in checks if w is not None]
    return found


def lp_settings_warnings(
    settings: Mapping[str, LpSettings], as_of: dt.date, policy: str, county: str | None
) -> list[RunWarning]:
    """The ``.lp`` inputs whose own settings the run does not apply.

    A file may name an as-of date, a policy, a county scope, policy parameters or reviewers'
    decisions; the run decides under its own options only, where ``cmr-reason check`` and
    ``explain`` would apply the file's.
    """
    found = []
    run_day = as_of.strftime("%Y%m%d")
    for path, named in sorted(settings.items()):
        differ = []
        if named.as_of and named.as_of != run_day:
            differ.append(f"as_of({named.as_of}) (the run: --as-of {as_of.isoformat()})")
        if named.policy and policy_key(named.policy) != policy_key(policy):
            differ.append(f"policy({named.policy}) (the run: --policy {policy})")
        if named.scope_county and named.scope_county != (county or ""):
            differ.append(
                f'scope_county("{named.scope_county}") (the run: '
                f"{'--county ' + county if county else 'no --county'})"
            )
        if named.others:
            differ.append(f"{named.others} policy parameter or reviewer fact(s)")
        if differ:
            message = (
                f"{Path(path).name} names {'; '.join(differ)}: a run decides every input "
                "under its own options and applies none of a file's settings (cmr-reason "
                "check and explain do); give the options on the command line to decide as "
                "the file says"
            )
            found.append(RunWarning("lp_settings_not_applied", message))
    return found


def warnings_entry(found: list[RunWarning]) -> list[dict[str, Any]]:
    """The manifest's ``warnings`` list."""
    return [w.to_dict() for w in found]
