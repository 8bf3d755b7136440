"""Property (issue #15): the HS 11361.8 presumption never outweighs a disqualifier on the record.

Under every policy that keeps the statutory exclusions (every bundled policy and the example
parameter files), no conviction gets relief while its alternative reading is not eligible,
and no policy turns the statute's presumption review into relief. The histories are a small
synthetic DOJ file (``facts/synth/generator.py``) plus one invented person whose record pairs a
disqualifier with a cannabis conviction whose presumed reading escapes the exclusions - the
synthetic files alone seldom hold one (4 in 2,000 people).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cmr_reason.facts.history import History
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.facts.synth.generator import demo_path, write_file
from cmr_reason.reasoner.engine.program_set import ProgramSet, load_program_set, policy_names
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.solver import SolveResult, decide

AS_OF = dt.date(2020, 7, 1)
RELIEF = {"dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction", "resentence",
          "no_relief"}  # fmt: skip
POLICIES = policy_names() + sorted(
    str(p) for p in (PROGRAMS_DIR / "policies" / "examples").glob("*.toml")
)

# The county each policy covers, so that it decides the invented person (the synthetic
# people are in Los Angeles County).
COUNTY = {"contra-costa-2020": "CONTRA COSTA", "sacramento-2019": "SACRAMENTO",
          "san-francisco-2019": "SAN FRANCISCO", "san-joaquin-2019": "SAN JOAQUIN"}  # fmt: skip

# The invented person's disqualifier, convicted in 1960 (before every cannabis conviction).
PERSON = "inj"
DISQUALIFIERS = {
    "superstrike": 'charge("inj:c0", pc, "187", ()). level("inj:c0", felony).',
    "pc290": 'charge("inj:c0", pc, "243.4", ("a",)). level("inj:c0", felony).',
    "possible_207a": 'charge("inj:c0", pc, "207", ("a",)). level("inj:c0", felony).',
    "gang_carjacking": 'charge("inj:c0", pc, "215", ()). level("inj:c0", felony).\n'
    'conviction("inj:c0g", "inj", "inj:k0"). disposition_date("inj:c0g", 19600601).\n'
    'charge("inj:c0g", pc, "186.22", ("b","4")). level("inj:c0g", felony).',
    "registration": 'charge("inj:c0", pc, "484", ()). level("inj:c0", misdemeanor).\n'
    'registration("inj", pc, "290", 19610301).',
}
# The cannabis conviction: (section, subsections, level, disposition year).
TARGETS = {
    "cultivation": ("11358", "()", "felony", 1990),
    "gift_before_1976": ("11360", "()", "felony", 1974),
    "sale_after_1976": ("11360", '("a",)', "felony", 1990),
    "for_sale": ("11359", "()", "felony", 1990),
    "concentrate": ("11357", '("a",)', "felony", 1990),
}


def injected_facts(kind: str, target: str, birth_year: int, county: str) -> str:
    """Plain schema facts for the invented person (core/schema.lp)."""
    section, subs, level, year = TARGETS[target]
    lines = [
        f'person("{PERSON}"). birth("{PERSON}", {birth_year}0615).',
        f'case("inj:k0", "{PERSON}", "{county}", "CASC {county}").',
        'conviction("inj:c0", "inj", "inj:k0"). disposition_date("inj:c0", 19600601).',
        DISQUALIFIERS[kind],
        # two earlier convictions of the target's section: the two-priors exclusion
        f'case("inj:k1", "{PERSON}", "{county}", "CASC {county}").',
        f'conviction("inj:c1", "inj", "inj:k1"). disposition_date("inj:c1", {year - 8}0601).',
        f'charge("inj:c1", hs, "{section}", {subs}). level("inj:c1", felony).',
        f'conviction("inj:c2", "inj", "inj:k1"). disposition_date("inj:c2", {year - 4}0601).',
        f'charge("inj:c2", hs, "{section}", {subs}). level("inj:c2", felony).',
        f'case("inj:k3", "{PERSON}", "{county}", "CASC {county}").',
        f'conviction("inj:c3", "inj", "inj:k3"). disposition_date("inj:c3", {year}0601).',
        f'offence_date("inj:c3", {year}0110).',
        f'charge("inj:c3", hs, "{section}", {subs}). level("inj:c3", {level}).',
    ]
    return "\n".join(lines) + "\n"


@cache
def synthetic(seed: int, people: int) -> tuple[History, ...]:
    """A small synthetic DOJ file, read back into histories."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.csv"
        write_file(path, people, seed)
        return tuple(read_histories([path]))


@cache
def programs(policy: str) -> ProgramSet:
    return load_program_set(policy)


def violations(result: SolveResult) -> list[str]:
    """Convictions given relief while their alternative reading is not eligible."""
    found = []
    for cid, dec in sorted(result.decisions.items()):
        not_eligible_alt = any(o == "not_eligible" for o, _ in dec.alternatives)
        if not_eligible_alt and dec.outcome in RELIEF:
            found.append(f"{cid}: {dec.outcome} with alternative not_eligible")
        if not_eligible_alt and dec.statutory_outcome in RELIEF:
            found.append(f"{cid}: statute {dec.statutory_outcome} with alternative not_eligible")
        if dec.statutory_reason == "presumption_against_disqualifier" and dec.outcome in RELIEF:
            found.append(f"{cid}: the presumption review became {dec.outcome}")
    return found


@settings(max_examples=6)
@example(seed=7, people=6, kind="superstrike", target="cultivation", birth_year=1950)
@example(seed=8, people=6, kind="registration", target="gift_before_1976", birth_year=1940)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    people=st.integers(min_value=3, max_value=10),
    kind=st.sampled_from(sorted(DISQUALIFIERS)),
    target=st.sampled_from(sorted(TARGETS)),
    birth_year=st.integers(min_value=1925, max_value=1972),
)
def test_no_relief_against_a_not_eligible_reading(
    seed: int, people: int, kind: str, target: str, birth_year: int
) -> None:
    histories = synthetic(seed, people)
    for policy in POLICIES:
        extra = injected_facts(kind, target, birth_year, COUNTY.get(policy, "LOS ANGELES"))
        result = decide(histories, programs(policy), AS_OF, extra_facts=extra)
        assert result.internal_errors == [], (policy, result.internal_errors)
        assert "inj:c3" in result.decisions
        assert not violations(result), (policy, violations(result))


def test_the_invented_person_meets_the_presumption_review() -> None:
    """The property is not vacuous: the invented record reaches the review it guards."""
    histories = synthetic(7, 6)
    for policy in POLICIES:
        extra = injected_facts(
            "superstrike", "cultivation", 1950, COUNTY.get(policy, "LOS ANGELES")
        )
        dec = decide(histories, programs(policy), AS_OF, extra_facts=extra).decisions["inj:c3"]
        assert dec.statutory_reason == "presumption_against_disqualifier", policy
        assert ("not_eligible", "more_than_six_plants") in dec.alternatives, policy
        assert dec.outcome == "review", (policy, dec.outcome, dec.reason)


def test_demo_file_has_no_relief_against_a_not_eligible_reading() -> None:
    """The bundled demo file under the statute and Los Angeles 2020 (issue #15, done-when)."""
    histories = tuple(read_histories([demo_path()]))
    for policy in ("statute", "los-angeles-2020"):
        result = decide(histories, programs(policy), AS_OF)
        assert result.internal_errors == []
        assert not violations(result), (policy, violations(result))
