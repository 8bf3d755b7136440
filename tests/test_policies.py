"""County policies: the catalogue read from the programs, TOML parameter files, the
``policies`` command, ``explain --compare``, arrest cycles, and rule coverage."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from case_results import case_results_under
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import history_facts
from cmr_reason.facts.lp_reader import read_lp
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.policy_catalogue import bundled_policy_specs
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.solver import decide

CASES = Path(__file__).parent / "cases"
POLICY_CASES = CASES / "policies"
EXAMPLES = PROGRAMS_DIR / "policies" / "examples"
RULE_PREFIX = {
    "los-angeles-2020": "la2020.",
    "san-francisco-2019": "sf2019.",
    "sacramento-2019": "sac2019.",
    "san-joaquin-2019": "sj2019.",
    "contra-costa-2020": "cc2020.",
    "configurable": "cfg.",
}
runner = CliRunner()


def test_every_bundled_policy_states_its_info_and_parameters() -> None:
    specs = {s.name: s for s in bundled_policy_specs()}
    assert set(specs) == {"statute", *RULE_PREFIX}
    for name, spec in specs.items():
        assert spec.title and spec.source, name
        assert spec.file.stem.replace("_", "-") == name
        for param in spec.params.values():
            assert param.doc, f"{name}: parameter {param.name} has no param_doc"
            if param.kind in ("choice", "yes/no"):
                assert set(param.defaults) <= set(param.choices), (name, param.name)
    la = specs["los-angeles-2020"].params
    assert la["age_threshold"].defaults == ("50",)
    assert la["lookback_counts"].choices == ("any", "felony")
    assert specs["configurable"].params["section_outcome"].keys == (
        "11357",
        "11358",
        "11359",
        "11360",
    )


def test_every_policy_rule_has_a_rank_or_is_explanatory() -> None:
    for name, prefix in RULE_PREFIX.items():
        catalogue = load_catalogue(load_program_set(name))
        ids = [i for i in catalogue.rules if i.startswith(prefix)]
        assert ids, name
        for rule_id in ids:
            entry = catalogue.rules[rule_id]
            outcome_rule = ".fact." not in rule_id and ".agency." not in rule_id
            assert (entry.rank is not None) == outcome_rule, rule_id


def test_discretionary_dismissals_cite_the_policy_not_the_statute() -> None:
    """A policy dismissal is relief HS 11361.8 does not give (where the statute dismisses,
    no policy rule fires): it cites the office's source, HS 11361.9(b) and prosecutorial
    discretion (Gov. Code 26500), never HS 11361.8(e)-(f) (issue 15 item 5)."""
    for name, prefix in RULE_PREFIX.items():
        rules = load_catalogue(load_program_set(name)).rules
        dismissals = [i for i in rules if i.startswith(prefix) and ".dismiss." in i]
        assert dismissals, name
        for rule_id in dismissals:
            citation = rules[rule_id].citation
            assert "11361.8(e)" not in citation, rule_id
            assert "Gov. Code 26500" in citation, rule_id
    la = load_catalogue(load_program_set("los-angeles-2020")).rules
    assert la["la2020.dismiss.age_50"].citation.startswith("LA DA motion 2020-02-11 (50 or older)")
    assert la["la2020.dismiss.predecessor"].citation.startswith("LA DA motion 2020-02-11")


def test_every_policy_rule_fires_in_some_case() -> None:
    fired: set[str] = set()
    for result in case_results_under(POLICY_CASES):
        assert result.passed, result.path
        for ids in result.rules_fired.values():
            fired.update(ids)
    for name, prefix in RULE_PREFIX.items():
        catalogue = load_catalogue(load_program_set(name))
        missing = sorted(i for i in catalogue.rules if i.startswith(prefix) and i not in fired)
        assert not missing, f"{name}: no case fires {missing}"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_example_parameter_files_load(path: Path) -> None:
    programs = load_program_set(str(path))
    assert programs.param_facts
    assert programs.policy_name == path.stem


def _toml(tmp_path: Path, text: str) -> str:
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('policy = "los-angeles-2020"\n[params]\nage = 3\n', "valid parameters: age_threshold"),
        ('policy = "los-angeles-2020"\n[params]\nage_threshold = "fifty"\n', "an integer"),
        ("[params]\nserving = 'sometimes'\n", "one of dismiss, review, statute"),
        ("[params]\nunder_21 = 3\n", "one of no, yes"),
        ("[params.section_outcome]\n\"11361\" = 'dismiss'\n", "valid keys: 11357"),
        ("[params]\nsection_outcome = 'dismiss'\n", "is a table of 11357"),
        ('policy = "fresno"\n', "valid policies: configurable"),
        ("age_threshold = 50\n", "unknown key(s) age_threshold"),
        ("[params\n", "not valid TOML"),
        ('policy = "statute"\n[params]\ncounty = "X"\n', "this policy takes no parameters"),
    ],
)
def test_bad_parameter_files_give_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        load_program_set(_toml(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_every_bad_parameter_is_listed_at_once(tmp_path: Path) -> None:
    """Three wrong parameters: all three named, with the valid ones (#19)."""
    text = 'policy = "los-angeles-2020"\n[params]\nage = 3\nlookback = 10\nserving = "sometimes"\n'
    with pytest.raises(UserError) as caught:
        load_program_set(_toml(tmp_path, text))
    message = str(caught.value)
    assert message.startswith("3 problems:")
    assert "unknown parameter 'age'" in message and "unknown parameter 'lookback'" in message
    assert "serving" in message and "valid parameters: age_threshold" in message


def test_toml_values_become_typed_facts(tmp_path: Path) -> None:
    programs = load_program_set(
        _toml(
            tmp_path,
            '[params]\nunder_21 = true\ncounty = "KERN"\nage_threshold = 55\n'
            '[params.section_outcome]\n"11359" = "redesignate"\n',
        )
    )
    assert programs.param_facts.splitlines() == [
        "policy_param(age_threshold, 55).",
        'policy_param(county, "KERN").',
        'policy_param(section_outcome, ("11359", redesignate)).',
        "policy_param(under_21, yes).",
    ]


def test_a_table_override_keeps_the_other_keys_defaults() -> None:
    doc = read_lp(POLICY_CASES / "configurable" / "defaults__11359_dismissed.lp")
    programs = load_program_set("configurable")
    history = doc.histories[0]
    as_of = dt.date(2020, 7, 1)
    keep = decide(
        [history], programs, as_of, None, 'policy_param(section_outcome, ("11357", redesignate)).\n'
    )
    assert keep.decisions["p:c1"].reason == "policy_section_dismiss"
    change = decide(
        [history], programs, as_of, None, 'policy_param(section_outcome, ("11359", redesignate)).\n'
    )
    assert change.decisions["p:c1"].reason == "only_cannabis_record"


def test_an_unknown_parameter_in_a_case_is_an_internal_error() -> None:
    doc = read_lp(POLICY_CASES / "los_angeles_2020" / "age_50__birthday_on_as_of.lp")
    programs = load_program_set("los-angeles-2020")
    solved = decide(doc.histories, programs, dt.date(2020, 7, 1), None, "policy_param(age, 50).\n")
    assert "internal_error(age,unknown_parameter)" in solved.internal_errors
    solved = decide(
        doc.histories, programs, dt.date(2020, 7, 1), None, "policy_param(serving, sometimes).\n"
    )
    assert "internal_error(serving,bad_parameter_value)" in solved.internal_errors


def test_unknown_policy_name_lists_the_valid_ones() -> None:
    with pytest.raises(UserError, match="valid policies: configurable, contra-costa-2020"):
        load_program_set("fresno-2021")


def test_prosecuting_agency_is_on_the_decision() -> None:
    doc = read_lp(POLICY_CASES / "los_angeles_2020" / "misdemeanor__city_attorney_long_beach.lp")
    solved = decide(doc.histories, load_program_set("los-angeles-2020"), dt.date(2020, 7, 1))
    assert solved.decisions["p:c1"].agency == "City of Long Beach (City Prosecutor)"
    felony = read_lp(POLICY_CASES / "los_angeles_2020" / "age_50__birthday_on_as_of.lp")
    solved = decide(felony.histories, load_program_set("los-angeles-2020"), dt.date(2020, 7, 1))
    assert solved.decisions["p:c1"].agency == "District Attorney"


def test_cycle_is_written_for_doj_case_ids_and_stated_cycles() -> None:
    doj = read_lp(POLICY_CASES / "san_joaquin_2019" / "related__same_cycle_from_doj_case_ids.lp")
    text = history_facts(doj.histories[0])
    assert 'cycle("77:101001", "77:101").' in text
    assert 'cycle("77:102001", "77:102").' in text
    stated = read_lp(POLICY_CASES / "san_joaquin_2019" / "related__stated_cycle.lp")
    assert 'cycle("p:k1", "arrest-2010").' in history_facts(stated.histories[0])
    plain = read_lp(POLICY_CASES / "los_angeles_2020" / "scope__outside_county.lp")
    assert "cycle(" not in history_facts(plain.histories[0])


def test_policies_command_lists_every_policy() -> None:
    result = runner.invoke(app, ["policies"])
    assert result.exit_code == 0, result.output
    for name in RULE_PREFIX:
        assert name in result.output
    result = runner.invoke(app, ["policies", "los-angeles-2020", "--json"])
    data = json.loads(result.output)
    params = {p["name"]: p for p in data[0]["params"]}
    assert params["lookback_years"]["default"] == "10"
    assert params["unmatched_felony"]["choices"] == ["review", "statute"]
    result = runner.invoke(app, ["policies", "fresno"])
    assert result.exit_code == 2
    assert "valid policies" in result.output


def test_explain_compare_shows_where_policies_differ() -> None:
    case = POLICY_CASES / "los_angeles_2020" / "lookback__felony_one_day_inside.lp"
    args = ["explain", "p", "-i", str(case), "--compare", "statute,los-angeles-2020"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["differing"] == 1
    c1 = next(c for c in data["convictions"] if c["conviction_id"] == "p:c1")
    assert c1["decisions"]["statute"]["outcome"] == "redesignate_misdemeanor"
    assert c1["decisions"]["los-angeles-2020"] == {
        "outcome": "review",
        "reason": "no_policy_criterion",
    }
    assert data["totals"]["los-angeles-2020"] == {"not_applicable": 1, "review": 1}
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "1 of 2 conviction(s) decided differently" in text.output
    bad = runner.invoke(app, ["explain", "p", "-i", str(case), "--compare", "statute"])
    assert bad.exit_code == 2
