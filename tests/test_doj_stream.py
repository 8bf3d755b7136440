"""The streaming reader (bounded memory, spilled runs) gives what the in-memory reader gives."""

import pytest
from doj_builder import court, write
from test_row_accounting import generate

from cmr_reason.facts.doj.history_builder import build_history
from cmr_reason.facts.doj.reader import read_doj, use_rows
from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.fact_writer import history_facts
from cmr_reason.facts.history_reader import stream_histories
from cmr_reason.facts.synth.generator import demo_path


def _streamed(paths, budget, tmp_path, batch=7):
    """Histories and the row account through stream_doj + use_rows, in small batches."""
    with stream_doj(paths, budget_bytes=budget, temp_dir=str(tmp_path)) as stream:
        histories = []
        batch_items = []
        items = list(stream.items())
        runs = stream.spilled_runs
        for start in range(0, len(items), batch):
            batch_items = items[start : start + batch]
            subjects, accounts = use_rows(batch_items, stream.files, stream.orphans)
            stream.absorb(accounts)
            histories += [build_history(sid, s, stream.files) for sid, s in subjects]
        return histories, stream.account, runs


def _account(account):
    return [
        (
            f.file,
            dict(f.used),
            dict(f.irrelevant),
            sorted(f.rejects),
            sorted(f.used_lines),
            sorted(f.irrelevant_lines),
            f.rows_in,
            f.listed(),
        )
        for f in account.files
    ]


def generated_files(tmp_path, seeds, people):
    """Generated messy DOJ files (shuffled rows, duplicates, malformed rows), one a seed."""
    paths = []
    for seed in seeds:
        text, _ = generate(seed=seed, people=people)
        path = tmp_path / f"g{seed}.csv"
        path.write_text(text, encoding="utf-8", newline="")
        paths.append(path)
    return paths


@pytest.mark.parametrize("budget", [1 << 30, 20_000, 1], ids=["in-memory", "spilled", "tiny"])
def test_stream_equals_in_memory_read(tmp_path, budget):
    paths = generated_files(tmp_path, (5, 6), 120)
    reference = read_doj(paths)
    histories, account, runs = _streamed(paths, budget, tmp_path)
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]
    assert _account(account) == _account(reference.account)
    assert (runs > 1) == (budget < 1 << 30)
    assert not list(tmp_path.glob("cmr-reason-runs-*")), "run files are removed on close"


def test_stream_of_the_demo_file_gives_the_same_facts(tmp_path):
    reference = read_doj([demo_path()])
    histories, account, runs = _streamed([demo_path()], 200_000, tmp_path, batch=50)
    assert runs > 1
    assert "".join(history_facts(h) for h in histories) == "".join(
        history_facts(h) for h in reference
    )
    assert _account(account) == _account(reference.account)


def test_a_field_holding_the_separator_survives(tmp_path):
    path = write(tmp_path / "sep.csv", [court("001002001000", "20100301", OFN="A\x1fB")])
    reference = read_doj([path])
    histories, _, _ = _streamed([path], 1, tmp_path)
    assert histories[0].convictions[0].case_numbers == ("A\x1fB",)
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]


def test_built_histories_survive_validation():
    """build_history skips pydantic validation; validating its result changes nothing."""
    from cmr_reason.facts.history import History

    for history in read_doj([demo_path()]):
        again = History.model_validate(history.model_dump())
        assert again == history
        assert again.model_dump() == history.model_dump()


def test_fast_models_are_what_model_construct_builds():
    """``_make`` gives model_construct's field values, field order and set fields."""
    from cmr_reason.facts.doj.history_builder import _make

    for history in read_doj([demo_path()]):
        for model in (history, history.person, *history.convictions, *history.cases):
            given = {name: model.__dict__[name] for name in sorted(model.model_fields_set)}
            made = _make(type(model), **given)
            built = type(model).model_construct(**given)
            assert list(made.__dict__.items()) == list(built.__dict__.items())
            assert made.model_fields_set == built.model_fields_set
            assert (made.__pydantic_extra__, made.__pydantic_private__) == (None, None)


def test_run_files_are_removed_even_without_close(tmp_path):
    import gc

    text, _ = generate(seed=7, people=40)
    path = tmp_path / "g.csv"
    path.write_text(text, encoding="utf-8", newline="")
    stream = stream_doj([path], budget_bytes=1, temp_dir=str(tmp_path))
    assert list(tmp_path.glob("cmr-reason-runs-*"))
    del stream
    gc.collect()
    assert not list(tmp_path.glob("cmr-reason-runs-*"))


def test_a_filtered_read_keeps_one_subject_as_the_whole_read_builds_it(tmp_path):
    """``read_doj(only=...)``: the wanted person's history, nothing else held, every row counted."""
    text, _ = generate(seed=7, people=60)
    path = tmp_path / "g7.csv"
    path.write_text(text, encoding="utf-8", newline="")
    whole = read_doj([path])
    wanted = whole.subject_ids[len(whole.subject_ids) // 2]
    one = read_doj([path], only=[wanted])
    assert one.subject_ids == [wanted]
    assert one.history(wanted).model_dump() == whole.history(wanted).model_dump()
    assert one.other_ids == frozenset(whole.subjects) - {wanted}
    (mine,), (full,) = one.account.files, whole.account.files
    assert mine.rows_in == full.rows_in
    assert mine.rows_in == mine.rows_used + mine.rows_irrelevant + mine.rows_rejected
    assert mine.irrelevant["other_subject"] > 0


def test_stream_histories_gives_every_history_in_order():
    """``stream_histories`` (what the filing and the report read) equals the whole read."""
    reference = read_doj([demo_path()])
    streamed = list(stream_histories([demo_path()], chunk=37))
    assert [h.model_dump() for h in streamed] == [h.model_dump() for h in reference]
