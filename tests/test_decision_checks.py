"""A decision applies only to the record it was taken on: the conviction and the whole record.

Synthetic DOJ rows (``doj_builder``), the as-of date pinned. Person 1001 has a 2010 HS 11357
misdemeanor (the statute: dismiss and seal); a reviewer challenges it. A new extract that
adds a prior, or changes the conviction itself, must not carry the challenge over silently.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import stat
from pathlib import Path

import pytest
from doj_builder import arrest, court, write
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.cli.workbench.auth import hash_password
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.reasoner.review import decision_facts
from cmr_reason.reasoner.review.db import ReviewDB
from cmr_reason.reasoner.review.decision_facts import (
    check_decisions,
    conviction_fingerprint,
    latest_per_conviction,
    prepare_decisions,
    record_fingerprint,
)
from cmr_reason.reasoner.review.decision_files import key_candidates, read_verified, write_export
from cmr_reason.reasoner.review.decision_log import StoredDecision

runner = CliRunner()
AS_OF = "2020-07-01"
DECIDED = "1001:001002001000"
OTHER = {"SUBJECT_ID": "2002", "PRI_NAME": "OTHER,BEA", "PRI_DOB": "19900202",
         "CII_NUMBER": "A000000002"}  # fmt: skip
BURGLARY = {"charge": "459 PC-BURGLARY", "OFFENSE_TOC": "F", "CONV_STAT_DESCR": "FELONY",
            "SENT_LOC_DESCR": "PRISON", "SENT_LENGTH": "2", "SENT_TIME_CODE": "Y"}  # fmt: skip


def _rows(*, prior: bool = False, sentence: str = "36", dob: str = "19700101") -> list[list[str]]:
    """Person 1001 (the decided conviction) and person 2002; ``prior`` adds a 2015 felony."""
    rows = [
        arrest("001001001000", "20100105", PRI_DOB=dob),
        court("001002001000", "20100301", SENT_LENGTH=sentence, PRI_DOB=dob),
        arrest("001001001000", "20110105", **OTHER),
        court("001002001000", "20110301", **OTHER),
    ]
    if prior:
        rows += [
            arrest("002001001000", "20150105", charge="459 PC-BURGLARY", PRI_DOB=dob),
            court("002002001000", "20150301", PRI_DOB=dob, **BURGLARY),
        ]
    return rows


def _decide(db_path: Path, doj: Path) -> StoredDecision:
    """A reviewer challenges the 2010 conviction, as the workbench records it."""
    history = read_histories([doj]).history("1001")
    assert history is not None
    conv = next(c for c in history.convictions if c.conviction_id == DECIDED)
    db = ReviewDB.create(db_path)
    db.add_user("ann", "reviewer", hash_password("a-long-password"))
    return db.add_decision(
        conviction_id=DECIDED, subject_id="1001", action="challenge", ground="other",
        note="Court file read", reviewer="ann", fingerprint=conviction_fingerprint(conv),
        record_fingerprint=record_fingerprint(history),
    )  # fmt: skip


def _run(doj: Path, out: Path, decisions: Path) -> tuple[str, dict[str, str], dict]:
    result = runner.invoke(app, ["run", str(doj), "--as-of", AS_OF, "--out", str(out),
                                 "--force", "--decisions", str(decisions)])  # fmt: skip
    assert result.exit_code == 0, result.output
    with (out / "convictions.csv").open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["conviction_id"] == DECIDED)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return result.output, row, manifest["decisions"]


def _check(doj: Path, decision: StoredDecision) -> list[tuple[int, str]]:
    read = read_histories([doj])
    checked = check_decisions(
        latest_per_conviction([decision]), {"1001": read.history("1001")}, Path("db")
    )
    return [(d.id, "applied") for d in checked.applied] + [
        (d.id, problem) for d, problem in checked.not_applied
    ]


@pytest.fixture
def decided(tmp_path: Path) -> tuple[Path, StoredDecision]:
    doj = write(tmp_path / "first.csv", _rows())
    return tmp_path / "review.sqlite3", _decide(tmp_path / "review.sqlite3", doj)


def test_applied_when_nothing_changed(tmp_path: Path, decided) -> None:
    db_path, decision = decided
    # A new extract of the same record: other file, other line order.
    again = write(tmp_path / "again.csv", list(reversed(_rows())))
    assert _check(again, decision) == [(decision.id, "applied")]
    output, row, entry = _run(again, tmp_path / "run", db_path)
    assert (row["outcome"], row["reason"]) == ("not_eligible", "reviewer_challenge")
    assert entry["not_applied"] == [] and entry["applied"][0]["decision_id"] == decision.id
    assert "not applied:" not in output


def test_new_prior_is_record_changed(tmp_path: Path, decided) -> None:
    db_path, decision = decided
    newer = write(tmp_path / "newer.csv", _rows(prior=True))
    assert _check(newer, decision) == [(decision.id, "record_changed")]
    output, row, entry = _run(newer, tmp_path / "run", db_path)
    # The rules' own outcome, not the challenge, and the run says why (ids only).
    assert (row["outcome"], row["reason"]) == ("dismiss_and_seal", "now_lawful")
    assert entry["applied"] == []
    assert entry["not_applied"] == [
        {"conviction_id": DECIDED, "decision_id": decision.id, "problem": "record_changed"}
    ]
    assert f"decision {decision.id} on conviction {DECIDED} not applied" in output
    assert "the person's record changed" in " ".join(output.split())
    assert "OTHER" not in output and "19700101" not in output


def test_changed_date_of_birth_is_record_changed(tmp_path: Path, decided) -> None:
    _, decision = decided
    newer = write(tmp_path / "newer.csv", _rows(dob="19950101"))
    assert _check(newer, decision) == [(decision.id, "record_changed")]


def test_changed_conviction_is_conviction_changed(tmp_path: Path, decided) -> None:
    _, decision = decided
    # The decided conviction's sentence changed (and a prior appeared): the conviction's own
    # check comes first.
    newer = write(tmp_path / "newer.csv", _rows(prior=True, sentence="24"))
    assert _check(newer, decision) == [(decision.id, "conviction_changed")]


def test_other_person_does_not_change_the_record(tmp_path: Path, decided) -> None:
    _, decision = decided
    rows = [*_rows(), court("002002001000", "20160301", **{**OTHER, **BURGLARY})]
    assert _check(write(tmp_path / "newer.csv", rows), decision) == [(decision.id, "applied")]


# The decisions table as schema 1 made it (before the record fingerprint).
_OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
    created_at TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, conviction_id TEXT NOT NULL,
    subject_id TEXT NOT NULL, action TEXT NOT NULL, relief TEXT NOT NULL DEFAULT '',
    ground TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL REFERENCES users(name), decided_at TEXT NOT NULL,
    fingerprint TEXT NOT NULL, supersedes INTEGER REFERENCES decisions(id),
    seen_outcome TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '');
CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TABLE assignments (id INTEGER PRIMARY KEY AUTOINCREMENT, subject_id TEXT NOT NULL,
    assignee TEXT, assigned_by TEXT NOT NULL, assigned_at TEXT NOT NULL);
"""


def _columns(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [row[1] for row in conn.execute("PRAGMA table_info(decisions)")]


def _old_database(db_path: Path, conv_fingerprint: str) -> None:
    """A schema-1 database with one challenge of the decided conviction, as made before."""
    with sqlite3.connect(db_path) as conn:
        conn.executescript(_OLD_SCHEMA)
        conn.execute("INSERT INTO users VALUES ('ann', 'x', 'reviewer', '2024-01-01', 1)")
        conn.execute(
            "INSERT INTO decisions (conviction_id, subject_id, action, ground, note, reviewer,"
            " decided_at, fingerprint) VALUES (?,?,?,?,?,?,?,?)",
            (DECIDED, "1001", "challenge", "other", "Court file read", "ann",
             "2024-01-02T00:00:00+00:00", conv_fingerprint),
        )  # fmt: skip


def test_old_database_is_refused_until_migrated(tmp_path: Path) -> None:
    first = write(tmp_path / "first.csv", _rows())
    history = read_histories([first]).history("1001")
    assert history is not None
    conv = next(c for c in history.convictions if c.conviction_id == DECIDED)
    db_path = tmp_path / "old.sqlite3"
    _old_database(db_path, conviction_fingerprint(conv))
    before = db_path.read_bytes()
    newer = write(tmp_path / "newer.csv", _rows(prior=True))
    # Unsigned: refused by a run and by the workbench's commands, and left as it is.
    result = runner.invoke(app, ["run", str(newer), "--as-of", AS_OF, "--out",
                                 str(tmp_path / "run"), "--decisions", str(db_path)])  # fmt: skip
    assert result.exit_code == 2 and "decisions migrate" in result.output
    assert "made before decisions were signed" in " ".join(result.output.split())
    assert not (tmp_path / "run").exists() and db_path.read_bytes() == before
    with pytest.raises(UserError, match="decisions migrate"):
        ReviewDB.open_existing(db_path)
    # The explicit migration signs it once; the old decision keeps the conviction check only,
    # and the run says so.
    result = runner.invoke(app, ["decisions", "migrate", str(tmp_path), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Signed 1 decision(s) and 1 user(s)" in said and "1 decision(s) recorded" in said
    assert stat.S_IMODE((tmp_path / "old.key").stat().st_mode) == 0o600
    (old,) = ReviewDB.open_existing(db_path).verify().entries
    assert (old.record_fingerprint, old.record_check) == ("", "conviction_only")
    output, row, entry = _run(newer, tmp_path / "run", db_path)
    assert (row["outcome"], row["reason"]) == ("not_eligible", "reviewer_challenge")
    assert entry["not_applied"] == []
    assert f"decision {old.id} on conviction {DECIDED} was recorded before the record check" in (
        " ".join(output.split())
    )
    assert _check(write(tmp_path / "c.csv", _rows(sentence="24")), old) == [
        (old.id, "conviction_changed")
    ]
    # A second migration changes nothing; new decisions carry the record fingerprint.
    again = runner.invoke(app, ["decisions", "migrate", str(tmp_path), "--db", str(db_path)])
    assert again.exit_code == 0 and "already signed" in again.output
    db = ReviewDB.open_existing(db_path)
    new = db.add_decision(conviction_id=DECIDED, subject_id="1001", action="grant",
                          reviewer="ann", fingerprint=conviction_fingerprint(conv),
                          record_fingerprint=record_fingerprint(history))  # fmt: skip
    assert new.supersedes == old.id and new.prev_hash == old.entry_hash
    assert [d.id for d in db.verify().entries] == [old.id, new.id]
    with sqlite3.connect(db_path) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == ("3",)


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_export_round_trip_keeps_the_record_fingerprint(tmp_path: Path, decided, suffix) -> None:
    db_path, decision = decided
    out = tmp_path / f"decisions.{suffix}"
    assert write_export(ReviewDB.open_existing(db_path), out) == 1
    (back,) = read_verified(out, key_candidates(out, None, None)).entries
    assert back == decision and back.record_fingerprint.startswith("r1:")


def test_old_export_files_are_refused(tmp_path: Path, decided) -> None:
    _, decision = decided
    fields = {k: v for k, v in decision.as_dict().items() if k != "record_fingerprint"}
    old_json = tmp_path / "old.json"
    old_json.write_text(json.dumps({"decisions": [fields]}), encoding="utf-8")
    old_csv = tmp_path / "old.csv"
    with old_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(fields))
        writer.writeheader()
        writer.writerow(fields)
    with pytest.raises(UserError, match="not a signed export"):
        read_verified(old_json, key_candidates(old_json, None, None))
    with pytest.raises(UserError, match=r"no signature file old\.csv\.sig"):
        read_verified(old_csv, key_candidates(old_csv, None, None))


def test_prepare_reads_only_the_decided_people(tmp_path: Path, decided, monkeypatch) -> None:
    db_path, decision = decided
    calls: list[object] = []

    def spy(paths, encoding="utf-8", only=None, repairs=None):
        calls.append(None if only is None else sorted(only))
        return read_histories(paths, encoding, only, repairs)

    monkeypatch.setattr(decision_facts, "read_histories", spy)
    # Person 2002's history changes completely; nobody decided for them.
    rows = [*_rows(), court("002002001000", "20160301", **{**OTHER, **BURGLARY})]
    checked = prepare_decisions(db_path, [write(tmp_path / "newer.csv", rows)])
    assert calls == [["1001"]]
    assert [d.id for d in checked.applied] == [decision.id]


def test_workbench_shows_a_decision_the_run_refused(tmp_path: Path, decided) -> None:
    pytest.importorskip("flask")
    from cmr_reason.cli.workbench.app import create_app

    db_path, _ = decided
    out = tmp_path / "run"
    _run(write(tmp_path / "newer.csv", _rows(prior=True)), out, db_path)
    application = create_app(out, db_path)
    application.config["TESTING"] = True
    client = application.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    reply = client.post("/login", data={"csrf_token": token, "name": "ann",
                                         "password": "a-long-password"})  # fmt: skip
    assert reply.status_code == 302
    person = " ".join(client.get("/person/1001").get_data(as_text=True).split())
    assert "not applied in this run" in person
    assert "the person&#39;s record changed since the decision" in person
    # Back in the reviewers' open queue, with its status in words.
    queue = " ".join(client.get("/queue?status=open").get_data(as_text=True).split())
    assert '<tr class="status-not_applied">' in queue and f"#c-{DECIDED}" in queue
    assert "not applied in this run: decide again" in queue
