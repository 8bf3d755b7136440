"""Facts handed to clingo as ground atoms give what the same text through its parser gives.

``fact_loader.add_facts`` adds a batch's facts through clingo's term parser and backend
(issue 18); anything but plain facts goes to ``Control.add`` as before. The plain way is
forced here by making ``as_tuple`` refuse every text.
"""

from __future__ import annotations

import datetime as dt

import clingo
import pytest
from batch_specs import batch_spec

from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine import fact_loader
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import MESSAGE_LIMIT, settings_facts, solve_text
from cmr_reason.reasoner.run import batch_worker

AS_OF = dt.date(2020, 2, 11)


def _atoms(ctl: clingo.Control) -> list[str]:
    return sorted(str(atom.symbol) for atom in ctl.symbolic_atoms)


def _loaded(program: str, facts: str, fast: bool) -> tuple[bool, list[str], list[str]]:
    """(whether the atoms' way was taken, the ground atoms, the messages) of one control."""
    messages: list[str] = []
    ctl = clingo.Control(
        ["--warn=all"],
        logger=lambda code, text: messages.append(text.strip()),
        message_limit=fact_loader.message_limit(program, MESSAGE_LIMIT),
    )
    ctl.add("base", [], program)
    if fast:
        taken = fact_loader.add_facts(ctl, facts, messages)
    else:
        ctl.add("base", [], facts)
        taken = False
    ctl.ground([("base", [])])
    return taken, _atoms(ctl), messages


def _decided(policy: str) -> tuple[str, str, list[str]]:
    """The demo file's facts under ``policy`` (one batch), its bulk program, its decisions."""
    with stream_doj([demo_path()]) as read:
        spec = batch_spec(read, AS_OF, policy)
        facts, _, _, _ = batch_worker._people(list(read.items()), spec)  # type: ignore[arg-type]
    text = "".join(facts) + settings_facts(AS_OF, None)
    solved = solve_text(spec.programs, text, lean=True, program=spec.program)
    lines = [repr(solved.decisions[key]) for key in sorted(solved.decisions)]
    return text, spec.program, lines + solved.internal_errors + solved.messages


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_a_batch_decides_the_same_either_way(policy: str, monkeypatch: pytest.MonkeyPatch):
    text, program, fast = _decided(policy)
    assert fact_loader.as_tuple(text) is not None  # the demo's facts take the atoms' way
    taken, atoms, messages = _loaded(program, text, fast=True)
    assert taken
    assert (atoms, messages) == _loaded(program, text, fast=False)[1:]
    monkeypatch.setattr(fact_loader, "as_tuple", lambda text: None)
    assert _decided(policy)[2] == fast
    assert len(fast) > 100 and any("dismiss_and_seal" in line for line in fast)


def test_the_atoms_way_is_taken_with_this_clingo():
    """A clingo that moved its cffi handles would make every batch slow: fail, not fall back."""
    assert fact_loader.CLINGO_CFFI is not None
    assert _loaded("q(X) :- p(X).", 'p(1).\np("a.b\\n").\n', fast=True)[0]


# Texts that are not plain facts: each goes to Control.add, with clingo's own reading.
NOT_FACTS = [
    "p(1).\nq(X) :- p(X).\n",  # a rule
    "p(1). p(2).\n",  # two statements on a line
    "% a comment\np(1).\n",
    "#const n = 2.\np(n).\n",
    "p(1..3).\n",  # an interval
    "p(a;b).\n",  # a pool
    "p(1).",  # no line end
]


@pytest.mark.parametrize("text", NOT_FACTS)
def test_what_is_not_plain_facts_goes_to_the_parser(text: str):
    taken, atoms, messages = _loaded("#show p/1.", text, fast=True)
    assert not taken
    assert (atoms, messages) == _loaded("#show p/1.", text, fast=False)[1:]
    assert atoms  # clingo read them


REFUSED = ["#inf.\n", "p(1).\n#sup.\n", "1.\n", '"a".\n', "(1, 2).\n", "p(1).\n().\n"]


@pytest.mark.parametrize("text", [*REFUSED, 'p("a\nb").\n', "p(1)\n"])
def test_what_clingo_refuses_it_still_refuses(text: str):
    """No facts to clingo's parser: terms (a number, a string, a tuple, ``#inf``), but no
    atoms, and no terms at all. The same error either way."""
    errors = []
    for fast in (True, False):
        with pytest.raises(RuntimeError) as refused:
            _loaded("", text, fast=fast)
        errors.append(str(refused.value))
    assert errors[0] == errors[1] == "parsing failed"


def test_the_messages_are_the_grounders_own():
    """The backend's early check of ``#show`` signatures is not reported (fact_loader)."""
    program = "#show q/1. #show p/1. #show r/1. r(X) :- s(X)."
    taken, _, messages = _loaded(program, "p(1).\n", fast=True)
    assert taken
    assert messages == _loaded(program, "p(1).\n", fast=False)[2]
    assert len(messages) == 2  # s(X) is in no rule's head, no atom of q/1
    assert any("s(X)" in m for m in messages) and any("q/1" in m for m in messages)


def test_the_message_limit_is_the_same(monkeypatch: pytest.MonkeyPatch):
    """Up to MESSAGE_LIMIT of the grounder's own messages either way, the same ones."""
    program = " ".join(f"r{i} :- s{i}." for i in range(MESSAGE_LIMIT + 9)) + " #show t/1."
    programs = load_program_set("statute")
    fast = solve_text(programs, "p(1).\n", lean=True, program=program).messages
    monkeypatch.setattr(fact_loader, "as_tuple", lambda text: None)
    assert solve_text(programs, "p(1).\n", lean=True, program=program).messages == fast
    assert len(fast) == MESSAGE_LIMIT
    assert all("does not occur in any rule head" in m for m in fast)
