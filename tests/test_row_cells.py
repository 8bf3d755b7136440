"""The cells of convictions.csv that rows.py keeps between convictions equal fresh ones.

``_rule_cells`` keeps the rule-id and citation cells by the chain's rule ids, and
``_explanation`` keeps the explanation sentence by what it reads (the deciding rule's slot
values, the outcomes, the alternatives), but never a sentence that reads the record (a
``prior`` slot names another conviction of the person).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from prior_people import person_with_prior, prior_decision

from cmr_reason.facts.history_reader import read_histories
from cmr_reason.facts.lean_person import lean_person
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.run.rows import (
    LeanRecord,
    _chain,
    _explanation,
    _rule_cells,
    explanation_sentence,
)


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_kept_cells_equal_fresh_ones(tmp_path: Path, policy: str) -> None:
    path = tmp_path / "synth.csv"
    write_file(path, 120, seed=5, malformed_rate=0.05)
    histories = list(read_histories([path]))
    programs = load_program_set(policy)
    catalogue = load_catalogue(programs)
    solved = decide(histories, programs, dt.date(2020, 7, 1), lean=True)
    checked = 0
    for _ in range(2):  # the second pass reads every kept cell
        for history in histories:
            person = lean_person(history)
            record = LeanRecord(None, person)
            for conv in person.convictions:
                decision = solved.decisions[conv.conviction_id]
                chain = _chain(decision)
                ids = [f.rule_id for f in chain]
                rule_ids = list(dict.fromkeys(ids))
                citations = dict.fromkeys(catalogue.rule(r).citation for r in rule_ids)
                assert _rule_cells(catalogue, tuple(ids)) == (
                    ";".join(rule_ids),
                    ";".join(filter(None, citations)),
                )
                assert _explanation(decision, catalogue, record, chain) == explanation_sentence(
                    decision, catalogue, record, chain
                )
                checked += 1
    assert checked > 300


def test_a_sentence_that_reads_the_record_is_not_kept() -> None:
    """Two people whose deciding firings are equal but whose prior convictions differ."""
    catalogue, decision = prior_decision()
    sentences = []
    for disposition in (19900401, 20000501):
        person = person_with_prior("1:001", "1:002", disposition)
        record = LeanRecord(None, person)
        chain = _chain(decision)
        sentence = _explanation(decision, catalogue, record, chain)
        assert sentence == explanation_sentence(decision, catalogue, record, chain)
        sentences.append(sentence)
    assert sentences[0] != sentences[1]
    assert "1990-04-01" in sentences[0] and "2000-05-01" in sentences[1]
