"""The reviewers' queue: convictions a lawyer must decide, most freeing first.

A conviction is in the queue when the run left it in ``review`` or ``not_eligible`` (a
challenge someone must stand behind), or when a reviewer has decided it. The order puts
first the convictions whose relief could clear a person: those of a person whose every
remaining conviction is in the queue (relief could leave no conviction), then those whose
every remaining felony is in the queue (relief could leave no felony); within each, review
outcomes before challenges to confirm, and people with fewer open convictions first. This
reads the run's output rows only; it decides nothing.

The queue is worked out in SQLite over the run's row store
(:mod:`cmr_reason.reasoner.review.row_store`), in temporary tables of the page's own connection, so
only the page's 25 rows reach Python: memory does not grow with the run.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.review.decision_log import StoredDecision
from cmr_reason.reasoner.review.row_store import (
    CHOICE_COLUMNS,
    QUEUE_COLUMNS,
    QUEUE_OUTCOMES,
    RECORD_COLUMNS,
    RowStore,
    decided_extras,
    impact_sql,
)

__all__ = ["QUEUE_OUTCOMES", "QueueFilter", "QueueItem", "QueuePage", "queue_page"]
PAGE_SIZE = 25
IMPACT_LABELS = {
    0: "relief could leave no conviction",
    1: "relief could leave no felony",
    2: "",
}
STATUS_LABELS = {
    "open": "open",
    "more_information": "more information asked",
    "decided": "decided, awaiting a run",
    "applied": "applied in this run",
    "not_applied": "decided, not applied in this run: decide again",
}
# Statuses that leave a conviction open: a decision the run could not apply (its conviction
# or the person's record changed since) goes back to the reviewers.
OPEN_STATUSES = ("open", "more_information", "not_applied")


@dataclass
class QueueItem:
    """One conviction in the queue."""

    row: dict[str, str]
    court: str
    status: str
    latest: StoredDecision | None
    assignee: str
    impact: int = 2
    person_open: int = 0

    @property
    def conviction_id(self) -> str:
        """The conviction id."""
        return self.row["conviction_id"]

    @property
    def subject_id(self) -> str:
        """The person's subject id."""
        return self.row["subject_id"]

    @property
    def is_open(self) -> bool:
        """Not decided yet (or only asked for more information)."""
        return self.status in OPEN_STATUSES

    @property
    def impact_label(self) -> str:
        """What relief could do for the person, in words."""
        return IMPACT_LABELS[self.impact] if self.is_open else ""

    @property
    def status_label(self) -> str:
        """The status in words."""
        return STATUS_LABELS[self.status]


@dataclass
class QueueFilter:
    """What the reviewer asked to see."""

    reason: str = ""
    code_section: str = ""
    level: str = ""
    court: str = ""
    county: str = ""
    status: str = "open"  # open | decided | all
    assignee: str = ""  # "" any, "-" unassigned, else a user name

    def where(self) -> tuple[str, list[Any]]:
        """The filters as an SQL condition on the queue's items, and its parameters."""
        clauses: list[str] = ["1"]
        params: list[str | int] = []
        if self.reason:
            clauses.append("(reason = ? OR statutory_reason = ?)")
            params += [self.reason, self.reason]
        if self.code_section:
            prefix = self.code_section.strip().lower()  # matched on the lower-cased section
            clauses.append("substr(code_lower, 1, ?) = ?")
            params += [len(prefix), prefix]
        for column in ("level", "court", "county"):
            if getattr(self, column):
                clauses.append(f"{column} = ?")
                params.append(getattr(self, column))
        if self.status != "all":
            clauses.append("is_open = ?")
            params.append(int(self.status == "open"))
        if self.assignee:
            clauses.append("assignee = ?")
            params.append("" if self.assignee == "-" else self.assignee)
        return " AND ".join(clauses), params


@dataclass
class QueuePage:
    """One page of the filtered queue, and the choices for the filters."""

    items: list[QueueItem]
    total: int
    page: int
    pages: int
    choices: dict[str, list[str]] = field(default_factory=dict)
    open_total: int = 0


_RECORD = ", ".join(RECORD_COLUMNS)
_Q_RECORD = ", ".join(f"q.{column}" for column in RECORD_COLUMNS)
_E_RECORD = ", ".join(f"e.{column}" for column in RECORD_COLUMNS)
# The people a reviewer has decided for are ranked again with their decisions (a few rows).
_TOUCHED = f"""
CREATE TEMP TABLE touched_items AS
WITH base AS (
    SELECT {_Q_RECORD}, coalesce(l.status, 'open') AS status FROM main.queue AS q
    LEFT JOIN temp.latest AS l ON l.conviction_id = q.conviction_id
    WHERE q.subject_id IN (SELECT subject_id FROM temp.touched)
    UNION ALL
    SELECT {_E_RECORD}, l.status FROM temp.extra AS e
    JOIN temp.latest AS l ON l.conviction_id = e.conviction_id
), opened AS (
    SELECT *, status IN {OPEN_STATUSES!r} AS is_open FROM base
), counted AS (
    SELECT *, sum(is_open) OVER person AS person_open,
        sum(is_open AND level = 'felony') OVER person AS open_felonies
    FROM opened WINDOW person AS (PARTITION BY subject_id)
)
SELECT {_RECORD}, status, is_open, person_open,
    {impact_sql("is_open", "person_open", "open_felonies")} AS impact
FROM counted
"""
# Everyone else is in the queue as the store ranked them: every row open.
_ITEMS = f"""
CREATE TEMP VIEW items AS
SELECT q.*, coalesce(a.assignee, '') AS assignee FROM (
    SELECT {_RECORD}, 'open' AS status, 1 AS is_open, person_open, impact FROM main.queue
    WHERE subject_id NOT IN (SELECT subject_id FROM temp.touched)
    UNION ALL
    SELECT {_RECORD}, status, is_open, person_open, impact FROM temp.touched_items
) AS q LEFT JOIN temp.assigned AS a ON a.subject_id = q.subject_id
"""
_ORDER = (
    "is_open DESC, impact, outcome != 'review', person_open, subject_id, disposition_date, "
    "conviction_id, seq"
)


def _status(decision: StoredDecision, applied_id: int | None, refused_id: int | None) -> str:
    if refused_id == decision.id:
        return "not_applied"
    if decision.action == "more_information":
        return "more_information"
    return "applied" if applied_id == decision.id else "decided"


def queue_page(
    store: RowStore,
    latest: dict[str, StoredDecision],
    assignments: dict[str, str],
    applied_ids: dict[str, int],
    wanted: QueueFilter,
    page: int,
    not_applied_ids: dict[str, int] | None = None,
) -> QueuePage:
    """The filtered queue's page ``page`` (1-based, clamped), most freeing first.

    ``applied_ids`` maps a conviction id to the decision id the run applied (from its
    manifest), so a decision made after the run shows as not yet applied;
    ``not_applied_ids`` to the decision id the run refused (it shows as open again).
    """
    try:
        with store.connect() as db:
            _load(db, store, latest, assignments, applied_ids, not_applied_ids or {})
            return _page(db, latest, wanted, page)
    except sqlite3.Error as exc:
        raise UserError(f"cannot read the row store {store.path}: {exc}") from None


def _load(
    db: sqlite3.Connection,
    store: RowStore,
    latest: dict[str, StoredDecision],
    assignments: dict[str, str],
    applied_ids: dict[str, int],
    not_applied_ids: dict[str, int],
) -> None:
    """The review database's state as temporary tables, then every queue item."""
    db.execute("CREATE TEMP TABLE latest (conviction_id TEXT PRIMARY KEY, status TEXT)")
    db.executemany(
        "INSERT INTO temp.latest VALUES (?, ?)",
        (
            (cid, _status(d, applied_ids.get(cid), not_applied_ids.get(cid)))
            for cid, d in latest.items()
        ),
    )
    db.execute("CREATE TEMP TABLE assigned (subject_id TEXT PRIMARY KEY, assignee TEXT)")
    db.executemany("INSERT INTO temp.assigned VALUES (?, ?)", assignments.items())
    db.execute(f"CREATE TEMP TABLE extra AS SELECT {_RECORD} FROM main.queue WHERE 0")
    marks = ", ".join("?" * len(RECORD_COLUMNS))
    db.executemany(f"INSERT INTO temp.extra VALUES ({marks})", decided_extras(db, sorted(latest)))
    db.execute("CREATE TEMP TABLE touched (subject_id TEXT PRIMARY KEY)")
    db.execute(
        "INSERT OR IGNORE INTO temp.touched SELECT subject_id FROM main.queue "
        "WHERE conviction_id IN (SELECT conviction_id FROM temp.latest) "
        "UNION SELECT subject_id FROM temp.extra"
    )
    db.execute(_TOUCHED)
    db.execute(_ITEMS)


def _page(
    db: sqlite3.Connection, latest: dict[str, StoredDecision], wanted: QueueFilter, page: int
) -> QueuePage:
    where, params = wanted.where()
    total = db.execute(f"SELECT count(*) FROM temp.items WHERE {where}", params).fetchone()[0]
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 1), pages)
    columns = ", ".join(QUEUE_COLUMNS)
    rows = db.execute(
        f"SELECT {columns}, court, status, assignee, impact, person_open FROM temp.items "
        f"WHERE {where} ORDER BY {_ORDER} LIMIT ? OFFSET ?",
        [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
    ).fetchall()
    items = []
    for values in rows:
        row = dict(zip(QUEUE_COLUMNS, values, strict=False))
        court, status, assignee, impact, person_open = values[len(QUEUE_COLUMNS) :]
        items.append(
            QueueItem(
                row=row,
                court=court,
                status=status,
                latest=latest.get(row["conviction_id"]),
                assignee=assignee,
                impact=impact,
                person_open=person_open,
            )
        )
    return QueuePage(items, total, page, pages, _choices(db), _open_total(db))


def _choices(db: sqlite3.Connection) -> dict[str, list[str]]:
    """The values each filter can take, from the whole queue (the store's and the extras')."""
    found: dict[str, set[str]] = {name: set() for name in (*CHOICE_COLUMNS, "assignee")}
    for name, value in db.execute("SELECT name, value FROM main.queue_choices"):
        found[name].add(value)
    for name, column in CHOICE_COLUMNS.items():
        found[name].update(v for (v,) in db.execute(f"SELECT {column} FROM temp.extra") if v)
    found["assignee"].update(
        name
        for (name,) in db.execute(
            "SELECT assignee FROM temp.assigned AS a WHERE assignee != '' AND ("
            "EXISTS (SELECT 1 FROM main.queue AS q WHERE q.subject_id = a.subject_id) OR "
            "EXISTS (SELECT 1 FROM temp.extra AS e WHERE e.subject_id = a.subject_id))"
        )
    )
    return {name: sorted(values) for name, values in found.items()}


def _open_total(db: sqlite3.Connection) -> int:
    """Open items: every store row of a person nobody decided for, and the re-ranked open."""
    untouched = db.execute(
        "SELECT count(*) FROM main.queue "
        "WHERE subject_id NOT IN (SELECT subject_id FROM temp.touched)"
    ).fetchone()[0]
    touched = db.execute("SELECT coalesce(sum(is_open), 0) FROM temp.touched_items").fetchone()[0]
    return untouched + touched
