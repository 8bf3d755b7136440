"""The rule catalogue is complete, unique, cited, and its templates fit their rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from case_results import all_case_results
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set, policy_names
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.remedies import beside_prop64, parse_remedies, remedy_vocabulary
from cmr_reason.reasoner.explain.rules_doc import rules_markdown

ROOT = Path(__file__).resolve().parent.parent
ID_IN_TEXT = re.compile(r'"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"')
RULE_FACT = re.compile(r'^rule\("([^"]+)",', re.MULTILINE)
RETIRED_FACT = re.compile(r'^retired_rule\("([^"]+)",', re.MULTILINE)


def _program_texts() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(PROGRAMS_DIR.rglob("*.lp"))}


def test_every_id_in_programs_is_catalogued() -> None:
    declared: set[str] = set()
    retired: set[str] = set()
    for text in _program_texts().values():
        declared |= set(RULE_FACT.findall(text))
        retired |= set(RETIRED_FACT.findall(text))
    missing = []
    for path, text in _program_texts().items():
        for rule_id in ID_IN_TEXT.findall(text):
            if rule_id not in declared and rule_id not in retired:
                missing.append(f"{path.name}: {rule_id}")
    assert not missing, f"rule ids used without a rule/3 entry: {missing}"


def test_retired_ids_are_not_used_again() -> None:
    """A retired id (retired_rule/2) is never catalogued, ranked or written in a rule again."""
    retired: set[str] = set()
    for text in _program_texts().values():
        retired |= set(RETIRED_FACT.findall(text))
    assert retired, "no retired_rule/2 facts found"
    catalogue = load_catalogue(load_program_set("statute"))
    assert set(catalogue.retired) == retired
    assert not retired & set(catalogue.rules), "a retired id is catalogued again"
    reused = []
    for path, text in _program_texts().items():
        for line in text.splitlines():
            if line.startswith("retired_rule(") or line.lstrip().startswith("%"):
                continue
            reused += [f"{path.name}: {r}" for r in retired if f'"{r}"' in line]
    assert not reused, f"retired ids written outside retired_rule/2: {reused}"


def test_retired_ids_never_fire() -> None:
    retired = set(load_catalogue(load_program_set("statute")).retired)
    fired = {
        f"{r.path.name}: {f.rule_id}"
        for r in _all_case_results()
        if r.solved is not None
        for d in r.solved.decisions.values()
        for f in d.firings
        if f.rule_id in retired
    }
    assert not fired, f"retired rule ids fired: {sorted(fired)}"


def test_reused_retired_id_is_an_internal_error() -> None:
    """core/outcomes.lp flags a retired id that is catalogued again, whatever the data."""
    import clingo

    programs = load_program_set("statute")
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], programs.text)
    ctl.add("base", [], 'rule("p64.exclude.two_priors", "HS 11359(c)(2)", "Reused.").')
    ctl.add("base", [], "#show internal_error/2.")
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        shown = {str(s) for m in handle for s in m.symbols(shown=True)}
    assert 'internal_error("p64.exclude.two_priors",retired_rule_reused)' in shown


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
    """Each firing provides the slots its template names (docs/adding-rules.md "Templates")."""
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
    codes = parse_remedies("all")
    programs = load_program_set("statute", beside_prop64(codes))
    expected = rules_markdown(load_catalogue(programs), programs.policy_name, codes)
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == expected, (
        "docs/rules.md is stale: run `cmr-reason rules --markdown > docs/rules.md`"
    )


def test_rules_command_json_lists_catalogue() -> None:
    result = CliRunner().invoke(app, ["rules", "--json"])
    assert result.exit_code == 0, result.output
    assert '"p64.dismiss.now_lawful"' in result.output


def _remedy_rule_ids() -> dict[str, set[str]]:
    """Each remedy's rule ids, read from its own statute files (not from the catalogue code)."""
    ids: dict[str, set[str]] = {}
    for remedy in remedy_vocabulary().remedies:
        for name in remedy.files:
            if name.startswith("statutes/"):
                text = (PROGRAMS_DIR / name).read_text(encoding="utf-8")
                ids.setdefault(remedy.code, set()).update(RULE_FACT.findall(text))
    return ids


def test_rules_doc_lists_every_remedy_rule_under_its_remedy() -> None:
    """docs/rules.md is the whole law: every remedy's rules, each under its own heading."""
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    vocab = remedy_vocabulary()
    sections = re.split(r"^## ", doc, flags=re.MULTILINE)
    by_heading = {s.split("\n", 1)[0]: s for s in sections[1:]}
    remedy_ids = _remedy_rule_ids()
    assert set(remedy_ids) == set(beside_prop64(tuple(r.code for r in vocab.remedies)))
    for code, ids in remedy_ids.items():
        remedy = vocab.by_code(code)
        section = by_heading[f"{remedy.citation}: {remedy.title}"]
        listed = set(re.findall(r"^\| `([^`]+)`", section, flags=re.MULTILINE))
        assert listed == ids, code
    every = re.findall(r"^\| `([^`]+)` \| ", doc, flags=re.MULTILINE)
    assert len(every) == len(set(every)), "a rule is listed twice"


def test_rules_doc_keeps_the_prop64_page_whole() -> None:
    """The remedies only add to the page: Prop 64's part is what `--remedy prop64` prints."""
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    programs = load_program_set("statute")
    alone = rules_markdown(load_catalogue(programs), programs.policy_name, ("prop64",))
    prop64_part = alone.split("## Retired rule ids", 1)[0].split("## ", 1)[1]
    assert "## " + prop64_part in doc
    assert "PC 1203.425:" not in alone


def test_rules_command_takes_remedy() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["rules", "--json", "--remedy", "pc1203.425"])
    assert result.exit_code == 0, result.output
    remedies = {e["id"]: e["remedy"] for e in json.loads(result.output)}
    assert remedies["pc1203_425.eligible"] == "pc1203.425"
    assert remedies["p64.dismiss.now_lawful"] == "prop64"
    assert not any(r.startswith("pc1203_4.") for r in remedies)
    alone = runner.invoke(app, ["rules", "--json", "--remedy", "prop64"])
    assert {e["remedy"] for e in json.loads(alone.output)} == {"prop64"}
    wrong = runner.invoke(app, ["rules", "--remedy", "pc9999"])
    assert wrong.exit_code == 2
    assert "unknown remedy 'pc9999'" in wrong.output


def test_rules_command_table_heads_each_remedy() -> None:
    result = CliRunner().invoke(app, ["rules", "--remedy", "all", "--id", "pc17b.not_eligible"])
    assert result.exit_code == 0, result.output
    assert "pc17b (PC 17(b)):" in result.output
    assert "prop64 (" not in result.output  # a remedy with no matching rule gets no heading


CITATION = re.compile(r"\b(?:HS|PC|VC|BP|Gov\. Code) \d|\bLA DA\b|\bDA (?:motion|order)\b")


def test_every_program_file_cites_its_authority() -> None:
    """A lawyer reads each file beside the statute or policy it serves (principle 1)."""
    uncited = [p.name for p, text in _program_texts().items() if not CITATION.search(text)]
    assert not uncited, f"program files citing no statute or policy: {uncited}"
