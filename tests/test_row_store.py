"""The workbench's row store: the same rows and the same queue as the run's CSV files."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest
from cli_runs import run_cli

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.review.decision_log import StoredDecision
from cmr_reason.reasoner.review.row_store import STORE_FILE, open_store
from cmr_reason.reasoner.review.work_queue import PAGE_SIZE, QUEUE_OUTCOMES, QueueFilter, queue_page


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module", params=["damaged", "county"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of a synthetic file with damaged rows, and one scoped to a county."""
    tmp = tmp_path_factory.mktemp(request.param)
    source = tmp / "in.csv"
    if request.param == "damaged":
        write_file(source, people=250, seed=11, malformed_rate=0.03)
        run_cli(tmp / "run", str(source))
    else:
        write_file(source, people=250, seed=5)
        run_cli(tmp / "run", str(source), "--county", "LOS ANGELES")
    return tmp / "run"


def test_rows_are_the_csv_rows(run: Path) -> None:
    store = open_store(run)
    convictions = _rows(run / "convictions.csv")
    people = _rows(run / "people.csv")
    courts = {c["case_id"]: c["court"] for c in _rows(run / "cases.csv")}
    assert len(people) == 250 and convictions
    for person in people:
        sid = person["subject_id"]
        assert store.person(sid) == person
        mine = [r for r in convictions if r["subject_id"] == sid]
        assert store.convictions_of(sid) == mine
        case_ids = {r["case_id"] for r in mine}
        assert store.courts(case_ids) == {k: courts[k] for k in case_ids if k in courts}
    assert store.person("no-such-person") is None
    assert store.convictions_of("no-such-person") == []


def _decision(number: int, row: dict[str, str], action: str) -> StoredDecision:
    return StoredDecision(
        id=number, conviction_id=row["conviction_id"], subject_id=row["subject_id"],
        action=action, relief="", ground="", note="n", reviewer="rita",
        decided_at="2020-07-02T00:00:00", fingerprint="f",
    )  # fmt: skip


def _expected_queue(run: Path, latest: dict, assignments: dict, applied: dict) -> list[tuple]:
    """The queue as the workbench computed it from the CSV rows before the store (the oracle)."""
    courts = {c["case_id"]: c["court"] for c in _rows(run / "cases.csv")}
    after = {
        p["subject_id"]: (int(p["convictions_after"]), int(p["felonies_after"]))
        for p in _rows(run / "people.csv")
    }
    items = []
    for row in _rows(run / "convictions.csv"):
        decision = latest.get(row["conviction_id"])
        if row["outcome"] not in QUEUE_OUTCOMES and decision is None:
            continue
        if decision is None:
            status = "open"
        elif decision.action == "more_information":
            status = "more_information"
        else:
            status = "applied" if applied.get(row["conviction_id"]) == decision.id else "decided"
        items.append({"row": row, "status": status, "open": status in ("open", "more_information")})
    open_all: dict[str, int] = {}
    open_felonies: dict[str, int] = {}
    for item in items:
        sid = item["row"]["subject_id"]
        if item["open"]:
            open_all[sid] = open_all.get(sid, 0) + 1
            if item["row"]["level"] == "felony":
                open_felonies[sid] = open_felonies.get(sid, 0) + 1
    for item in items:
        row, sid = item["row"], item["row"]["subject_id"]
        convictions_after, felonies_after = after.get(sid, (0, 0))
        item["person_open"] = open_all.get(sid, 0)
        item["impact"] = 2
        if item["open"] and convictions_after and convictions_after <= open_all.get(sid, 0):
            item["impact"] = 0
        elif (item["open"] and row["level"] == "felony" and felonies_after
              and felonies_after <= open_felonies.get(sid, 0)):  # fmt: skip
            item["impact"] = 1
    items.sort(key=lambda i: (not i["open"], i["impact"], i["row"]["outcome"] != "review",
                              i["person_open"], i["row"]["subject_id"],
                              i["row"]["disposition_date"], i["row"]["conviction_id"]))  # fmt: skip
    return [
        (i["row"]["conviction_id"], i["status"], i["impact"], i["person_open"],
         courts.get(i["row"]["case_id"], ""), assignments.get(i["row"]["subject_id"], ""))
        for i in items
    ]  # fmt: skip


def _store_queue(run: Path, wanted: QueueFilter, *state: dict) -> tuple[list[tuple], dict]:
    store = open_store(run)
    got, number = [], 1
    while True:
        page = queue_page(store, *state, wanted, number)
        got += [(i.conviction_id, i.status, i.impact, i.person_open, i.court, i.assignee)
                for i in page.items]  # fmt: skip
        if page.page == page.pages:
            return got, {"total": page.total, "open": page.open_total, "choices": page.choices}
        number += 1


def test_the_queue_is_the_csv_queue_with_decisions(run: Path) -> None:
    convictions = _rows(run / "convictions.csv")
    queued = [r for r in convictions if r["outcome"] in QUEUE_OUTCOMES]
    others = [r for r in convictions if r["outcome"] not in QUEUE_OUTCOMES]
    assert len(queued) > PAGE_SIZE  # several pages
    latest = {
        queued[0]["conviction_id"]: _decision(1, queued[0], "grant"),
        queued[1]["conviction_id"]: _decision(2, queued[1], "more_information"),
        queued[2]["conviction_id"]: _decision(3, queued[2], "challenge"),
        others[0]["conviction_id"]: _decision(4, others[0], "grant_other"),  # not queued by the run
    }
    applied = {queued[2]["conviction_id"]: 3}
    assignments = {queued[3]["subject_id"]: "rita", others[0]["subject_id"]: "sue"}
    state = (latest, assignments, applied)
    expected = _expected_queue(run, *state)
    for status in ("all", "open", "decided"):
        got, info = _store_queue(run, QueueFilter(status=status), *state)
        opened = [e for e in expected if e[1] in ("open", "more_information")]
        closed = [e for e in expected if e not in opened]
        want = {"all": expected, "open": opened, "decided": closed}[status]
        assert got == want, status
        assert info["open"] == len(opened)
    assert {e[1] for e in expected} == {"open", "more_information", "decided", "applied"}
    assert info["choices"]["assignee"] == ["rita", "sue"]
    assert info["choices"]["level"] == sorted(
        {r["level"] for r in [*queued, others[0]] if r["level"]}
    )
    # Filters: a code-section prefix in other case and blanks, a level, an assignee.
    section = queued[0]["code_section"]
    got, _ = _store_queue(run, QueueFilter(status="all", code_section=f" {section[:4].lower()}"),
                          *state)  # fmt: skip
    assert got == [e for e, r in _with_rows(expected, convictions)
                   if r["code_section"].lower().startswith(section[:4].lower())]  # fmt: skip
    got, _ = _store_queue(run, QueueFilter(status="all", assignee="-", level="felony"), *state)
    assert got == [e for e, r in _with_rows(expected, convictions)
                   if r["level"] == "felony" and e[5] == ""]  # fmt: skip


def _with_rows(expected: list[tuple], rows: list[dict[str, str]]) -> list[tuple]:
    by_id = {r["conviction_id"]: r for r in rows}
    return [(e, by_id[e[0]]) for e in expected]


def test_the_store_is_private_and_rebuilt_when_stale(run: Path) -> None:
    store = open_store(run)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert not list(run.glob(f".{STORE_FILE}*"))  # no temporary file left
    built = store.path.stat().st_mtime_ns
    assert open_store(run).path.stat().st_mtime_ns == built  # reused as it is
    # An output file that changed (as after a re-run) makes the store stale: rebuilt.
    people = run / "people.csv"
    original = people.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    first = dict(zip(lines[0].strip().split(","), lines[1].strip().split(","), strict=False))
    people.write_text(lines[0] + lines[1].replace(first["subject_id"], "ZZ-NEW", 1) + "".join(
        lines[2:]), encoding="utf-8")  # fmt: skip
    try:
        fresh = open_store(run)
        assert fresh.person("ZZ-NEW") is not None
        assert fresh.person(first["subject_id"]) is None
    finally:
        people.write_bytes(original)
    # A damaged store file is not trusted either.
    store.path.write_bytes(b"not a database")
    assert open_store(run).person(first["subject_id"]) is not None


def test_an_output_file_without_its_columns_is_a_clear_error(tmp_path: Path) -> None:
    for name, header in (("convictions.csv", "subject_id,case_id\n"),
                         ("people.csv", "subject_id\n"), ("cases.csv", "case_id\n")):  # fmt: skip
        (tmp_path / name).write_text(header, encoding="utf-8")
    with pytest.raises(UserError, match="has no column"):
        open_store(tmp_path)
    assert not (tmp_path / STORE_FILE).exists()
