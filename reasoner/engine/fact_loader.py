"""A batch's facts handed to clingo as ground atoms, not as program text to parse.

``Control.add`` runs clingo's full program parser over every statement: for a fact, the
statement's syntax tree, a source location for each term and a symbol-table look-up for
each, then the rewriting of a rule with an empty body, which the grounder instantiates
again. A batch's facts are about a quarter of its instructions that way (issue 18, ninth
round, ``tests/bench/analysis.md``). Facts are ground terms, so clingo's term parser reads
them all at once as one tuple (``clingo_parse_term``) and each element is added through the
backend as an atom and a rule with an empty body: the same atoms, which the grounder then
instantiates the program's rules over, and the same answer (``tests/test_fact_loader.py``).

Only text made of plain facts, one a line, takes this way. Anything else (a rule, a
directive, a comment, two statements on a line: whatever the term parser refuses) makes
:func:`add_facts` hand the whole text to ``Control.add`` as before, so its errors and
warnings are clingo's own, reported as they always were.
"""

from __future__ import annotations

from typing import Any

import clingo

try:  # clingo's own cffi handles (the tested minor versions: pyproject.toml)
    from clingo._internal import _ffi, _lib

    #: ``(ffi, lib)`` of clingo's C API, or None if this clingo keeps them elsewhere (the
    #: facts then go in as text, and the solver reads the answer through the public API).
    CLINGO_CFFI: tuple[Any, Any] | None = (_ffi, _lib)
except ImportError:  # pragma: no cover
    CLINGO_CFFI = None


def as_tuple(text: str) -> str | None:
    r"""``text``'s facts as the text of one tuple term, or None if it is not plain facts.

    Each fact ends its line (``".\n"``): the writers escape a line break inside a string,
    and clingo refuses a raw one in either parser. The term parser refuses what is not a
    term: a rule, a directive, a comment, two statements on a line, an interval, a pool, a
    variable. A tuple is a term and an atom to the backend, but no fact: refused here.
    """
    if not text.endswith(".\n") or text.startswith("(") or "\n(" in text:
        return None
    return "(" + text.replace(".\n", ",\n") + ")"


def add_facts(control: clingo.Control, text: str, messages: list[str]) -> bool:
    """Add ``text`` (facts) to ``control``'s base program; True if as ground atoms.

    Falls back to ``control.add("base", [], text)`` (and returns False) when ``text`` is
    not plain facts, when clingo's term parser refuses it, or when clingo's cffi handles
    are not where this version of clingo keeps them.

    ``messages`` is the list ``control``'s logger appends to. Closing the backend makes
    clingo check each ``#show`` signature against the atoms it has so far, before any rule
    is grounded, and log "no atoms over signature" for those the rules will derive; the
    grounding checks them again and logs what is true then, as the text's way does. So
    what is logged while the backend is open is dropped. Each of those counts against the
    control's message limit: the control is made with room for one a ``#show``
    (:func:`message_limit`).
    """
    parsed = _tuple_items(text)
    if parsed is None:
        control.add("base", [], text)
        return False
    items, count = parsed
    ffi, lib = CLINGO_CFFI  # type: ignore[misc]
    p_atom = ffi.new("clingo_atom_t*")
    null = ffi.NULL
    add_atom, rule = lib.clingo_backend_add_atom, lib.clingo_backend_rule
    logged = len(messages)
    added = 0
    with control.backend() as backend:
        handle = backend._rep
        while added < count and add_atom(handle, items + added, p_atom):
            if not rule(handle, False, p_atom, 1, null, 0):
                raise RuntimeError(clingo_error())
            added += 1
    del messages[logged:]
    if added < count:  # a number, a string or #inf: a term but no atom
        control.add("base", [], text)  # raises clingo's own error
        raise RuntimeError(clingo_error())
    return True


def _tuple_items(text: str) -> tuple[Any, int] | None:
    """The elements of ``text`` read as one tuple (:func:`as_tuple`), and how many.

    A C array of symbols; None if ``text`` is not plain facts or the term parser refuses it.
    """
    whole = as_tuple(text) if CLINGO_CFFI is not None and text else None
    if whole is None:
        return None
    ffi, lib = CLINGO_CFFI  # type: ignore[misc]
    p_term = ffi.new("clingo_symbol_t*")
    p_items = ffi.new("clingo_symbol_t**")
    p_count = ffi.new("size_t*")
    if not lib.clingo_parse_term(whole.encode(), ffi.NULL, ffi.NULL, 0, p_term):
        return None
    if not lib.clingo_symbol_arguments(p_term[0], p_items, p_count):
        return None
    return p_items[0], p_count[0]


def message_limit(program: str, limit: int) -> int:
    """The message limit of a control for ``program`` that logs up to ``limit`` of its own.

    One more a ``#show`` in the text, for the checks :func:`add_facts` drops.
    """
    return limit + program.count("#show")


def clingo_error() -> str:
    """The last error message of clingo."""
    ffi, lib = CLINGO_CFFI  # type: ignore[misc]
    message = lib.clingo_error_message()
    return ffi.string(message).decode() if message != ffi.NULL else "clingo refused a fact"
