"""The packed facts' optional parts that a run's program reads none of are written ``none``.

``facts/doj/direct.py`` writes the arresting agency of ``packed_conviction/8`` as ``none``
when no rule a shown atom depends on reads ``arrest_agency/3`` (``unread_parts``, from
``program_prune.needed``; set once a run in ``BatchSpec.unread``). These tests hold the guard:
no program reads that position but ``core/packed_facts.lp``'s unpacking into the predicate;
the demo file decides the same under every policy either way; and a policy that reads the
part keeps it (under ``los-angeles-2020``, written ``none``, the rows change).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from clingo import ast

from cmr_reason.facts.doj.direct import OPTIONAL_PARTS, unread_parts
from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_prune import needed
from cmr_reason.reasoner.engine.program_set import load_program_set, policy_names
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.solver import absent_settings
from cmr_reason.reasoner.run.batch_worker import BatchResult, BatchSpec, run_batch

AS_OF = dt.date(2020, 7, 1)
# The optional positions (0-based) of each packed predicate, and the part each one holds.
_POSITIONS = {("packed_conviction", 8): {7: "agency"}}


def _readers() -> list[tuple[str, str, str]]:
    """(file, part, head predicate) of every rule that reads an optional position by a
    named variable (not ``_``-prefixed) or a value."""
    found = []
    for file in sorted(PROGRAMS_DIR.rglob("*.lp")):
        statements: list[ast.AST] = []
        ast.parse_string(file.read_text(encoding="utf-8"), statements.append)
        for stm in statements:
            if stm.ast_type is not ast.ASTType.Rule:
                continue
            head = str(stm.head).split("(")[0]
            for lit in stm.body:
                atom = getattr(lit, "atom", None)
                term = getattr(atom, "symbol", None)
                if term is None or term.ast_type is not ast.ASTType.Function:
                    continue
                for pos, part in _POSITIONS.get((term.name, len(term.arguments)), {}).items():
                    arg = term.arguments[pos]
                    if not (arg.ast_type is ast.ASTType.Variable and arg.name.startswith("_")):
                        found.append((str(file.relative_to(PROGRAMS_DIR)), part, head))
    return found


def test_only_the_unpacking_reads_the_optional_parts() -> None:
    readers = _readers()
    heads = {part: OPTIONAL_PARTS[part][0] for part in OPTIONAL_PARTS}
    assert readers  # the unpacking itself is found
    for file, part, head in readers:
        assert file == str(Path("core", "packed_facts.lp")), (file, part, head)
        assert head == heads[part], (file, part, head)


def test_the_parts_left_out_are_those_the_policy_reads_none_of() -> None:
    assert unread_parts(None) == frozenset()
    statute = unread_parts(needed(load_program_set("statute").bulk_text))
    assert statute == {"agency"}
    la = unread_parts(needed(load_program_set("los-angeles-2020").bulk_text))
    assert la == frozenset()  # its prosecutors go by the arresting agency


def _spec(policy: str, files: tuple[str, ...], orphans: dict) -> BatchSpec:  # type: ignore[type-arg]
    programs = load_program_set(policy)
    return BatchSpec(
        programs=programs,
        as_of=AS_OF,
        scope_county=None,
        files=files,
        catalogue=load_catalogue(programs),
        orphans=orphans,
        program=programs.bulk_program_without(absent_settings(None, "")),
    )


def _outputs(result: BatchResult) -> tuple[object, ...]:
    return (
        result.convictions_csv,
        result.people_csv,
        result.cases_csv,
        result.summary.to_dict(),
        result.internal_errors,
    )


@pytest.mark.parametrize("policy", policy_names())
def test_the_demo_decides_the_same_with_the_unread_parts_left_out(policy: str) -> None:
    with stream_doj([demo_path()]) as read:
        items = list(read.items())
        spec = _spec(policy, read.files, read.orphans)
        full = run_batch(0, items, spec)
        spec.unread = unread_parts(needed(spec.programs.bulk_text))
        left_out = run_batch(0, items, spec)
    assert full.convictions > 100
    assert _outputs(left_out) == _outputs(full)


def test_a_part_the_policy_reads_is_kept() -> None:
    with stream_doj([demo_path()]) as read:
        items = list(read.items())
        spec = _spec("los-angeles-2020", read.files, read.orphans)
        full = run_batch(0, items, spec)
        spec.unread = frozenset(OPTIONAL_PARTS)  # what the guard keeps it from
        forced = run_batch(0, items, spec)
    assert _outputs(forced) != _outputs(full)
