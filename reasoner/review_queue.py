"""The reviewers' queue: convictions a lawyer must decide, most freeing first.

A conviction is in the queue when the run left it in ``review`` or ``not_eligible`` (a
challenge someone must stand behind), or when a reviewer has decided it. The order puts
first the convictions whose relief could clear a person: those of a person whose every
remaining conviction is in the queue (relief could leave no conviction), then those whose
every remaining felony is in the queue (relief could leave no felony); within each, review
outcomes before challenges to confirm, and people with fewer open convictions first. This
reads the run's output files only; it decides nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cmr_reason.reasoner.review_db import StoredDecision

QUEUE_OUTCOMES = ("review", "not_eligible")
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
}


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
        return self.status in ("open", "more_information")

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

    def keeps(self, item: QueueItem) -> bool:
        """True when the item passes every filter."""
        row = item.row
        checks = (
            not self.reason or self.reason in (row["reason"], row["statutory_reason"]),
            not self.code_section
            or row["code_section"].lower().startswith(self.code_section.strip().lower()),
            not self.level or row["level"] == self.level,
            not self.court or item.court == self.court,
            not self.county or row["county"] == self.county,
            self.status == "all" or (self.status == "open") == item.is_open,
            not self.assignee
            or (item.assignee == "" if self.assignee == "-" else item.assignee == self.assignee),
        )
        return all(checks)


@dataclass
class QueuePage:
    """One page of the filtered queue, and the choices for the filters."""

    items: list[QueueItem]
    total: int
    page: int
    pages: int
    choices: dict[str, list[str]] = field(default_factory=dict)


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def build_queue(
    convictions: Iterable[dict[str, str]],
    people: Iterable[dict[str, str]],
    cases: Iterable[dict[str, str]],
    latest: dict[str, StoredDecision],
    assignments: dict[str, str],
    applied_ids: dict[str, int],
) -> list[QueueItem]:
    """Every queue item, most freeing first.

    ``applied_ids`` maps a conviction id to the decision id the run applied (from its
    manifest), so a decision made after the run shows as not yet applied.
    """
    courts = {c["case_id"]: c["court"] for c in cases}
    items: list[QueueItem] = []
    for row in convictions:
        decision = latest.get(row["conviction_id"])
        if row["outcome"] not in QUEUE_OUTCOMES and decision is None:
            continue
        if decision is None:
            status = "open"
        elif applied_ids.get(row["conviction_id"]) == decision.id:
            status = "more_information" if decision.action == "more_information" else "applied"
        else:
            status = "more_information" if decision.action == "more_information" else "decided"
        items.append(
            QueueItem(
                row=row,
                court=courts.get(row["case_id"], ""),
                status=status,
                latest=decision,
                assignee=assignments.get(row["subject_id"], ""),
            )
        )
    _rank_impact(items, people)
    items.sort(
        key=lambda i: (
            not i.is_open,
            i.impact,
            i.row["outcome"] != "review",
            i.person_open,
            i.subject_id,
            i.row["disposition_date"],
            i.conviction_id,
        )
    )
    return items


def _rank_impact(items: list[QueueItem], people: Iterable[dict[str, str]]) -> None:
    """Mark items whose relief could leave their person with no conviction or no felony."""
    open_all: dict[str, int] = {}
    open_felonies: dict[str, int] = {}
    for item in items:
        if item.is_open:
            open_all[item.subject_id] = open_all.get(item.subject_id, 0) + 1
            if item.row["level"] == "felony":
                open_felonies[item.subject_id] = open_felonies.get(item.subject_id, 0) + 1
    remaining = {
        p["subject_id"]: (_int(p["convictions_after"]), _int(p["felonies_after"])) for p in people
    }
    for item in items:
        sid = item.subject_id
        item.person_open = open_all.get(sid, 0)
        convictions_after, felonies_after = remaining.get(sid, (0, 0))
        if item.is_open and convictions_after and convictions_after <= open_all.get(sid, 0):
            item.impact = 0
        elif (
            item.is_open
            and item.row["level"] == "felony"
            and felonies_after
            and felonies_after <= open_felonies.get(sid, 0)
        ):
            item.impact = 1


def choices(items: list[QueueItem]) -> dict[str, list[str]]:
    """The values each filter can take, from the whole queue."""

    def values(get: Any) -> list[str]:
        return sorted({v for v in (get(i) for i in items) if v})

    return {
        "reason": values(lambda i: i.row["reason"]),
        "level": values(lambda i: i.row["level"]),
        "court": values(lambda i: i.court),
        "county": values(lambda i: i.row["county"]),
        "code_section": values(lambda i: i.row["code_section"].split("(")[0]),
        "assignee": values(lambda i: i.assignee),
    }


def page_of(items: list[QueueItem], wanted: QueueFilter, page: int) -> QueuePage:
    """The filtered queue's page ``page`` (1-based, clamped)."""
    kept = [i for i in items if wanted.keeps(i)]
    pages = max(1, (len(kept) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    return QueuePage(
        items=kept[start : start + PAGE_SIZE],
        total=len(kept),
        page=page,
        pages=pages,
        choices=choices(items),
    )
