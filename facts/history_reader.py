"""Choose the reader for input files by their suffix: DOJ bulk files or hand-written histories.

Both readers give the same interface: ``files``, ``account`` (where every row or fact went),
``subject_ids``, iteration over histories, ``history(id)`` and ``items()`` (what the bulk
run sends to its workers).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from cmr_reason.facts.doj.accounting import FileAccount, RowAccount
from cmr_reason.facts.doj.history_builder import build_history
from cmr_reason.facts.doj.reader import DojRead, Repairs, read_doj, use_rows
from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import History
from cmr_reason.facts.lp_reader import read_lp

DOJ_SUFFIXES = (".csv", ".txt")
LP_SUFFIXES = (".lp",)


@dataclass(frozen=True)
class LpSettings:
    """The settings an ``.lp`` input names for itself (as ``cmr-reason check`` applies them).

    ``as_of`` and ``policy`` as written (``""`` when absent); ``others`` counts its policy
    parameters, scope and reviewers' decisions and notes. A bulk run applies none of them
    (its own ``--as-of``, ``--policy``, ``--county``) and warns where they differ.
    """

    as_of: str
    policy: str
    scope_county: str
    others: int


@dataclass
class LpRead:
    """Histories read from hand-written ``.lp`` files; every fact line counts as used."""

    files: tuple[str, ...]
    account: RowAccount
    histories: dict[str, History] = field(default_factory=dict)
    #: Each file's own settings, by file (only the files that name any).
    settings: dict[str, LpSettings] = field(default_factory=dict)

    @property
    def subject_ids(self) -> list[str]:
        """Subject ids, sorted."""
        return sorted(self.histories)

    def __len__(self) -> int:
        return len(self.histories)

    def __iter__(self) -> Iterator[History]:
        for sid in self.subject_ids:
            yield self.histories[sid]

    def history(self, subject_id: str) -> History | None:
        """The history of one subject, or None."""
        return self.histories.get(subject_id)

    @property
    def other_ids(self) -> frozenset[str]:
        """Subjects left out by a filtered read: none (hand-written files are read whole)."""
        return frozenset()

    def items(self) -> Iterator[History]:
        """The histories in subject order."""
        return iter(self)


def read_lp_histories(paths: Sequence[Path]) -> LpRead:
    """Read hand-written histories; a person, case or conviction id in two files is an error.

    The programs key every fact by these ids: two files' convictions under one id would be
    decided as one.
    """
    account = RowAccount()
    read = LpRead(files=tuple(str(p) for p in paths), account=account)
    owners: dict[tuple[str, str], Path] = {}  # (kind, id) -> the file that gave it
    for path in paths:
        doc = read_lp(path)
        if doc.settings:
            as_of = doc.as_of()
            read.settings[str(path)] = LpSettings(
                as_of=str(as_of) if as_of is not None else "",
                policy=doc.policy() or "",
                scope_county=doc.scope_county(),
                others=sum(
                    len(doc.setting(name))
                    for name in ("policy_param", "reviewer_decision", "reviewer_note")
                ),
            )
        file_account = FileAccount(file=str(path))
        account.files.append(file_account)
        for history in doc.histories:
            if history.subject_id in read.histories:
                raise UserError(f"{path}: person {history.subject_id!r} appears in two files")
            read.histories[history.subject_id] = history
            ids = [("case", c.case_id) for c in history.cases]
            ids += [("conviction", c.conviction_id) for c in history.convictions]
            for kind, key in dict.fromkeys(ids):
                first = owners.setdefault((kind, key), path)
                if first != path:
                    raise UserError(
                        f"{path}: {kind} id {key!r} is also given in {first}: give each "
                        f"{kind} its own id"
                    )
        for fact in doc.settings + doc.expectations:
            file_account.ignore(fact.line, fact.symbol.name)
        for line in doc.history_lines:
            file_account.use(line, "fact")
    return read


def input_kind(paths: Sequence[str | Path]) -> str:
    """``doj`` or ``lp``: the kind of every input file (mixing them is an error)."""
    if not paths:
        raise UserError("no input files given")
    kinds = set()
    for path in paths:
        suffix = Path(path).suffix.lower()
        if suffix in LP_SUFFIXES:
            kinds.add("lp")
        elif suffix in DOJ_SUFFIXES:
            kinds.add("doj")
        else:
            raise UserError(
                f"{path}: unknown input type {suffix or '(no suffix)'}; "
                "expected a DOJ file (.csv, .txt) or a history (.lp)"
            )
    if kinds == {"lp"}:
        return "lp"
    if "lp" in kinds:
        raise UserError("give either DOJ files or .lp histories in one run, not both")
    return "doj"


def read_histories(
    paths: Sequence[str | Path],
    encoding: str = "utf-8",
    only: Iterable[str] | None = None,
    repairs: Repairs | None = None,
) -> DojRead | LpRead:
    """Read the histories in ``paths``: DOJ files (.csv, .txt) or fact files (.lp), not mixed.

    ``only`` keeps just those subjects of DOJ files (one pass, little memory; see
    :func:`read_doj`); ``.lp`` files are small and always read whole. ``repairs``: each
    DOJ file's Excel repair (a run's, ``run --repair-excel``).
    """
    if input_kind(paths) == "lp":
        return read_lp_histories([Path(p) for p in paths])
    return read_doj(paths, encoding, only, repairs)


def stream_histories(
    paths: Sequence[str | Path],
    encoding: str = "utf-8",
    chunk: int = 1000,
    repairs: Repairs | None = None,
) -> Iterator[History]:
    """Every history of ``paths`` in subject order, holding a bounded share of the input.

    DOJ files are streamed as the bulk run reads them (:func:`stream_doj`: rows spilled to
    sorted runs above a memory budget); histories are built ``chunk`` subjects at a time.
    """
    if input_kind(paths) == "lp":
        yield from read_lp_histories([Path(p) for p in paths])
        return
    with stream_doj(paths, encoding, repairs=repairs) as stream:
        items = stream.items()
        while part := list(islice(items, chunk)):
            subjects, _ = use_rows(part, stream.files, stream.orphans)
            for sid, subject in subjects:
                yield build_history(sid, subject, stream.files)


def closest_ids(read: DojRead | LpRead, subject_id: str) -> list[str]:
    """Subject ids of the input that look like ``subject_id`` (for "did you mean")."""
    known = [*read.subject_ids, *sorted(read.other_ids)]
    return difflib.get_close_matches(subject_id, known, n=5, cutoff=0.5)
