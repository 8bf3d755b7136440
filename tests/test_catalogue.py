"""The rule catalogue is complete, unique, cited, and its templates fit their rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from case_results import all_case_results
from typer.testing import CliRunner

from cmr_reason.cli.app import _register, app
from cmr_reason.reasoner.catalogue import load_catalogue
from cmr_reason.reasoner.program_set import load_program_set, policy_names
from cmr_reason.reasoner.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.rules_doc import rules_markdown

ROOT = Path(__file__).resolve().parent.parent
ID_IN_TEXT = re.compile(r'"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"')
RULE_FACT = re.compile(r'^rule\("([^"]+)",', re.MULTILINE)


def _program_texts() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(PROGRAMS_DIR.rglob("*.lp"))}


def test_every_id_in_programs_is_catalogued() -> None:
    declared: set[str] = set()
    for text in _program_texts().values():
        declared |= set(RULE_FACT.findall(text))
    missing = []
    for path, text in _program_texts().items():
        for rule_id in ID_IN_TEXT.findall(text):
            if rule_id not in declared:
                missing.append(f"{path.name}: {rule_id}")
    assert not missing, f"rule ids used without a rule/3 entry: {missing}"


def test_rule_ids_are_declared_once() -> None:
    seen: dict[str, str] = {}
    duplicates = []
    for path, text in _program_texts().items():
        for rule_id in RULE_FACT.findall(text):
            if rule_id in seen:
                duplicates.append(f"{rule_id} in {seen[rule_id]} and {path.name}")
            seen[rule_id] = path.name
    assert not duplicates


@pytest.mark.parametrize("policy", policy_names())
def test_every_rule_has_citation_and_template(policy: str) -> None:
    catalogue = load_catalogue(load_program_set(policy))
    assert catalogue.rules
    for entry in catalogue.rules.values():
        assert entry.citation.strip(), f"{entry.rule_id} has no citation"
        assert entry.template.strip().endswith("."), f"{entry.rule_id}: template is not a sentence"


def test_outcome_rules_have_ranks() -> None:
    catalogue = load_catalogue(load_program_set("statute"))
    for text in _program_texts().values():
        for rule_id in re.findall(r'fired\(C, "([^"]+)", (?:outcome|policy_outcome)\(', text):
            if rule_id in catalogue.rules:
                assert catalogue.rules[rule_id].rank is not None, f"{rule_id} has no rank"


def _all_case_results():
    return all_case_results()


def test_templates_get_every_slot_they_name() -> None:
    """Each firing in every case provides the slots its template names (style.md 2.6)."""
    problems = set()
    for result in _all_case_results():
        if result.solved is None:
            continue
        catalogue = load_catalogue(load_program_set(result.policy))
        for decision in result.solved.decisions.values():
            for firing in decision.firings:
                entry = catalogue.rules.get(firing.rule_id)
                assert entry is not None, f"{firing.rule_id} fired but is not catalogued"
                given = {name for name, _ in firing.args}
                for slot in entry.slots:
                    if slot not in given:
                        problems.add(f"{firing.rule_id}: slot {{{slot}}} not in {sorted(given)}")
    assert not problems, sorted(problems)


def test_reason_codes_are_listed() -> None:
    catalogue = load_catalogue(load_program_set("statute"))
    for result in _all_case_results():
        if result.solved is None:
            continue
        for decision in result.solved.decisions.values():
            for code in (decision.reason, decision.statutory_reason):
                assert code in catalogue.reasons, f"reason {code} missing from core/reasons.lp"


def test_rules_doc_is_current() -> None:
    programs = load_program_set("statute")
    expected = rules_markdown(load_catalogue(programs), programs.policy_name)
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == expected, (
        "docs/rules.md is stale: run `cmr-reason rules --markdown > docs/rules.md`"
    )


def test_rules_command_json_lists_catalogue() -> None:
    _register()
    result = CliRunner().invoke(app, ["rules", "--json"])
    assert result.exit_code == 0, result.output
    assert '"p64.dismiss.now_lawful"' in result.output


CITATION = re.compile(r"\b(?:HS|PC|VC|BP|Gov\. Code) \d|\bLA DA\b|\bDA (?:motion|order)\b")


def test_every_program_file_cites_its_authority() -> None:
    """A lawyer reads each file beside the statute or policy it serves (principle 1)."""
    uncited = [p.name for p, text in _program_texts().items() if not CITATION.search(text)]
    assert not uncited, f"program files citing no statute or policy: {uncited}"
