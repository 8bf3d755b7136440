"""A history written as facts and read back gives the same facts (DOJ -> .lp -> facts)."""

from __future__ import annotations

from pathlib import Path

from cmr_reason.facts.fact_writer import history_facts
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.facts.lp_reader import read_lp
from cmr_reason.facts.synth.generator import demo_path


def test_demo_histories_survive_a_round_trip_through_lp(tmp_path: Path) -> None:
    histories = list(read_histories([demo_path()]))
    text = "".join(history_facts(h) for h in histories)
    path = tmp_path / "all.lp"
    path.write_text(text, encoding="utf-8")
    again = read_lp(path).histories
    assert [h.subject_id for h in again] == [h.subject_id for h in histories]
    for original, reread in zip(histories, again, strict=True):
        assert history_facts(reread) == history_facts(original), original.subject_id
