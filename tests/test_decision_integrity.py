"""Decisions cannot be forged silently: the signed, hash-chained log and its exports.

Each tampering the fault probe of issue #16 found applied without a word (an edited export
turning a challenge into a dismissal, a forged entry, an invented reviewer, a broken chain,
a dropped append-only trigger, a blanked fingerprint) is made here to a real database or
export, and ``run --decisions`` must refuse the whole source with one line naming the first
bad entry, writing nothing. A decisions file of the wrong shape is a one-line error too.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from doj_builder import arrest, court, write
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.cli.workbench.auth import hash_password
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.review.db import TRIGGERS, ReviewDB
from cmr_reason.reasoner.review.decision_files import key_candidates, read_verified, write_export
from cmr_reason.reasoner.review.decision_log import (
    TamperedLog,
    chained,
    create_key,
    entry_hash,
    key_id,
    load_key,
    sign_export,
    sign_user,
)
from cmr_reason.reasoner.run.contents import key_path

runner = CliRunner()
AS_OF = "2020-07-01"
CHALLENGED = "1001:001002001000"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with three decisions: a challenge, a note asking for more, a grant."""
    db = ReviewDB.create(tmp_path_factory.mktemp("log") / "review.sqlite3")
    db.add_user("ann", "reviewer", hash_password("a-long-password"))
    db.add_user("sue", "supervisor", hash_password("another-long-password"))
    common = {"subject_id": "1001", "fingerprint": "v1:c", "record_fingerprint": "r1:r"}
    db.add_decision(conviction_id=CHALLENGED, action="challenge", ground="other",
                    note="Prior in the court file", reviewer="ann", **common)  # fmt: skip
    db.add_decision(conviction_id="1001:2", action="more_information", note="Ask the court",
                    reviewer="sue", **common)  # fmt: skip
    db.add_decision(conviction_id="1001:3", action="grant", reviewer="ann", **common)
    return db.path


@pytest.fixture
def log(template: Path, tmp_path: Path) -> Path:
    """A copy of the template database and its key, for one test to tamper with."""
    for path in (template, key_path(template)):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / template.name


def _refused(source: Path, tmp_path: Path, *extra: str) -> str:
    """Run with ``source``: refused with exit 2, one line, no output directory written."""
    doj = write(tmp_path / "doj.csv", [arrest("001001001000", "20100105"),
                                      court("001002001000", "20100301")])  # fmt: skip
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(doj), "--as-of", AS_OF, "--out", str(out),
                                 "--decisions", str(source), *extra])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.startswith("error: ")
    assert not out.exists()
    return " ".join(result.output.split())


def _raw(db_path: Path) -> sqlite3.Connection:
    """What someone with write access and no key can do: plain SQL, no foreign keys."""
    return sqlite3.connect(db_path, isolation_level=None)


def _export(log: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "decisions.json"
    write_export(ReviewDB.open_existing(log), out)
    return out, json.loads(out.read_text(encoding="utf-8"))


def _save(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- the untouched log verifies ----------------------------------------------------------
def test_untouched_log_and_exports_verify(log: Path, tmp_path: Path) -> None:
    checked = ReviewDB.open_existing(log).verify()
    assert [d.action for d in checked.entries] == ["challenge", "more_information", "grant"]
    assert checked.head is not None and checked.head.count == 3
    for name in ("d.json", "d.csv"):
        write_export(ReviewDB.open_existing(log), tmp_path / name)
        found = read_verified(tmp_path / name, key_candidates(tmp_path / name, None, None))
        assert found.entries == checked.entries
    result = runner.invoke(app, ["decisions", "verify", str(tmp_path)])
    assert result.exit_code == 0 and "3 decision(s) verified" in " ".join(result.output.split())


# --- an edited export -------------------------------------------------------------------
def test_edited_export_turning_a_challenge_into_a_dismissal_is_refused(
    log: Path, tmp_path: Path
) -> None:
    path, data = _export(log, tmp_path)
    entry = data["decisions"][0]
    entry.update(action="grant_other", relief="dismiss_and_seal", ground="")
    said = _refused(_save(path, data), tmp_path)
    assert "decision 1 (id 1): its content does not match its hash" in said
    # Recomputing the hash (SHA-256 needs no key) moves the refusal to the signature.
    entry["entry_hash"] = entry_hash(entry)
    said = _refused(_save(path, data), tmp_path)
    assert "decision 1 (id 1): its signature does not match" in said


def test_edited_csv_export_and_missing_signature_file_are_refused(
    log: Path, tmp_path: Path
) -> None:
    path = tmp_path / "decisions.csv"
    write_export(ReviewDB.open_existing(log), path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",challenge,,other,", ",grant_other,dismiss_and_seal,,"))
    assert "decision 1 (id 1): its content does not match its hash" in _refused(path, tmp_path)
    path.write_text(text, encoding="utf-8")
    (tmp_path / "decisions.csv.sig").unlink()
    assert "has no signature file decisions.csv.sig" in _refused(path, tmp_path)


def test_export_edited_outside_the_entries_is_refused(log: Path, tmp_path: Path) -> None:
    path, data = _export(log, tmp_path)
    data["reviewers"].append({"name": "eve", "role": "supervisor", "created_at": "x",
                              "signature": "0" * 64})  # fmt: skip
    assert "the export's signature does not match" in _refused(_save(path, data), tmp_path)


# --- a forged entry ----------------------------------------------------------------------
def test_forged_entry_in_the_database_is_refused(log: Path, tmp_path: Path) -> None:
    last = ReviewDB.open_existing(log).decisions()[-1]
    forged = {**last.as_dict(), "id": last.id + 1, "conviction_id": "1001:9", "note": "forged"}
    forged = chained(b"\x01" * 32, forged, last.entry_hash)  # a key of the forger's own
    with _raw(log) as conn:
        names = ", ".join(forged)
        conn.execute(f"INSERT INTO decisions ({names}) VALUES ({', '.join('?' * len(forged))})",
                     list(forged.values()))  # fmt: skip
    said = _refused(log, tmp_path)
    assert f"decision 4 (id {last.id + 1}): its signature does not match" in said


def test_forged_entry_appended_to_an_export_is_refused(log: Path, tmp_path: Path) -> None:
    path, data = _export(log, tmp_path)
    last = data["decisions"][-1]
    forged = chained(b"\x01" * 32, {**last, "id": 99, "conviction_id": "1001:9"},
                     last["entry_hash"])  # fmt: skip
    data["decisions"].append(forged)
    assert "decision 4 (id 99): its signature does not match" in _refused(
        _save(path, data), tmp_path
    )


# --- an unknown reviewer ------------------------------------------------------------------
def test_invented_reviewer_is_refused(log: Path, tmp_path: Path) -> None:
    path, data = _export(log, tmp_path)
    data["decisions"][1]["reviewer"] = "mallory"
    said = _refused(_save(path, data), tmp_path)
    assert "decision 2 (id 2): its content does not match its hash" in said
    # Renaming the user in the export's list breaks the user's own signature.
    path, data = _export(log, tmp_path)
    data["reviewers"] = [dict(u, name="mallory") if u["name"] == "sue" else u
                         for u in data["reviewers"]]  # fmt: skip
    said = _refused(_save(path, data), tmp_path)
    assert "decision 2 (id 2): its reviewer 'sue' is not a user" in said


def test_reviewer_must_be_a_signed_user_allowed_to_decide(log: Path, tmp_path: Path) -> None:
    """Even entries signed with the key (its holder) must name a user who may decide."""
    key = load_key(key_path(log))
    path, data = _export(log, tmp_path)

    def resign(changed: dict[str, Any]) -> Path:
        payload = {k: v for k, v in changed.items() if k != "signature"}
        return _save(path, {**payload, "signature": sign_export(key, payload)})

    ghost = json.loads(json.dumps(data))
    ghost["reviewers"] = [u for u in ghost["reviewers"] if u["name"] != "sue"]
    assert "decision 2 (id 2): its reviewer 'sue' is not a user" in _refused(
        resign(ghost), tmp_path
    )
    clerk = json.loads(json.dumps(data))
    for user in clerk["reviewers"]:
        if user["name"] == "sue":
            user.update(role="clerk", signature=sign_user(key, "sue", "clerk", user["created_at"]))
    assert "its reviewer 'sue' has the role 'clerk', which may not decide" in _refused(
        resign(clerk), tmp_path
    )
    unsigned = json.loads(json.dumps(data))
    unsigned["reviewers"][0]["role"] = "supervisor" if unsigned["reviewers"][0][
        "role"] == "reviewer" else "reviewer"  # fmt: skip
    assert "is not signed by this key" in _refused(resign(unsigned), tmp_path)


def test_deleted_user_is_refused(log: Path, tmp_path: Path) -> None:
    with _raw(log) as conn:
        conn.execute("DROP TRIGGER users_keep_delete")
        conn.execute("DELETE FROM users WHERE name = 'sue'")
        conn.execute(TRIGGERS["users_keep_delete"])
    assert "decision 2 (id 2): its reviewer 'sue' is not a user" in _refused(log, tmp_path)


# --- a broken chain ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop(1), "decision 2 (id 3): it does not follow the entry before it"),
        (lambda d: d.reverse(), "decision 1 (id 3): it does not follow the entry before it"),
        (lambda d: d.pop(), "the log has 2 decision(s) but its signed head records 3"),
    ],
    ids=["removed", "reordered", "truncated"],
)
def test_broken_chain_in_an_export_is_refused(
    log: Path, tmp_path: Path, change: Callable[[list], object], expected: str
) -> None:
    path, data = _export(log, tmp_path)
    change(data["decisions"])
    assert expected in _refused(_save(path, data), tmp_path)


def test_decision_removed_from_the_database_is_refused(log: Path, tmp_path: Path) -> None:
    with _raw(log) as conn:  # the trigger dropped, the challenge removed, the trigger back
        conn.execute("DROP TRIGGER decisions_append_only_delete")
        conn.execute("DELETE FROM decisions WHERE id = 1")
        conn.execute(TRIGGERS["decisions_append_only_delete"])
    assert "decision 1 (id 2): it does not follow the entry before it" in _refused(log, tmp_path)
    with _raw(log) as conn:  # the last one removed too: the signed head still counts three
        conn.execute("DROP TRIGGER decisions_append_only_delete")
        conn.execute("DELETE FROM decisions WHERE id != 3")
        conn.execute(TRIGGERS["decisions_append_only_delete"])
    with pytest.raises(TamperedLog, match="does not end where its signed head says"):
        ReviewDB.open_existing(log).add_decision(
            conviction_id="1001:5", subject_id="1001", action="grant", reviewer="ann",
            fingerprint="v1:c", record_fingerprint="r1:r",
        )  # fmt: skip


# --- a dropped or changed trigger -------------------------------------------------------
@pytest.mark.parametrize("name", sorted(TRIGGERS))
def test_dropped_trigger_is_refused(log: Path, tmp_path: Path, name: str) -> None:
    with _raw(log) as conn:
        conn.execute(f"DROP TRIGGER {name}")
    assert f"its append-only trigger {name} was dropped" in _refused(log, tmp_path)


def test_changed_trigger_is_refused(log: Path, tmp_path: Path) -> None:
    with _raw(log) as conn:
        conn.execute("DROP TRIGGER decisions_append_only_update")
        conn.execute("CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions "
                     "BEGIN SELECT 1; END")  # fmt: skip
    assert "its append-only trigger decisions_append_only_update was changed" in (
        _refused(log, tmp_path)
    )


# --- a blanked fingerprint --------------------------------------------------------------
@pytest.mark.parametrize("field", ["record_fingerprint", "fingerprint"])
def test_blanked_fingerprint_is_refused_not_weakened(log: Path, tmp_path: Path, field: str) -> None:
    path, data = _export(log, tmp_path)
    data["decisions"][0][field] = ""
    said = _refused(_save(path, data), tmp_path)
    assert "decision 1 (id 1): its" in said and "fingerprint is blank (refused" in said
    with _raw(log) as conn:  # the same in the database, its trigger dropped and restored
        conn.execute("DROP TRIGGER decisions_append_only_update")
        conn.execute(f"UPDATE decisions SET {field} = '' WHERE id = 1")
        conn.execute(TRIGGERS["decisions_append_only_update"])
    assert "fingerprint is blank (refused" in _refused(log, tmp_path)


def test_conviction_only_needs_the_migration(log: Path, tmp_path: Path) -> None:
    """Marking a decision "conviction check only" is a change of its signed content."""
    path, data = _export(log, tmp_path)
    data["decisions"][0].update(record_fingerprint="", record_check="conviction_only")
    assert "decision 1 (id 1): its content does not match its hash" in _refused(
        _save(path, data), tmp_path
    )


# --- keys -----------------------------------------------------------------------------------
def test_missing_or_other_key_is_refused(log: Path, tmp_path: Path) -> None:
    path, _ = _export(log, tmp_path)
    key = key_path(log)
    key.rename(tmp_path / "kept.key")
    assert "the decision key" in _refused(log, tmp_path) and "is missing" in _refused(log, tmp_path)
    assert "no decision key with the id" in _refused(path, tmp_path)
    create_key(key)  # another key where the right one was
    assert "review.key is not the key that signed" in _refused(log, tmp_path)
    with _raw(log) as conn:  # and if the key id recorded is changed to match it
        conn.execute("UPDATE meta SET value = ? WHERE key = 'key_id'", (key_id(load_key(key)),))
    assert "decision 1 (id 1): its signature does not match" in _refused(log, tmp_path)
    # The right key, given explicitly, verifies the export (and the run goes on).
    found = read_verified(path, key_candidates(path, tmp_path / "kept.key", None))
    assert len(found.entries) == 3
    with pytest.raises(UserError, match="already exists"):
        create_key(key)


def test_export_finds_the_key_of_the_run_directory(log: Path, tmp_path: Path) -> None:
    path, _ = _export(log, tmp_path)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    path = path.rename(moved / path.name)
    assert key_candidates(path, None, tmp_path)[-1] == key_path(log)
    assert len(read_verified(path, key_candidates(path, None, tmp_path)).entries) == 3


# --- files of the wrong shape: one line, no traceback ----------------------------------
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]", "is not a signed export"),
        ('"text"', "is not a signed export"),
        ("null", "is not a signed export"),
        ("{not json", "cannot read decisions from"),
        ("[" * 100_000, "cannot read decisions from"),
        (b"\xff\xfe{}", "cannot read decisions from"),
    ],
    ids=["list", "string", "null", "not-json", "deep", "not-utf8"],
)
def test_malformed_json_is_a_one_line_error(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    path = tmp_path / "decisions.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert expected in _refused(path, tmp_path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(decisions="all"), "decisions: input should be a valid list"),
        (lambda d: d["decisions"].__setitem__(0, 7), "decisions.0: should be an object"),
        (lambda d: d["decisions"][1].update(id="2"), "decisions.1.id: input should be a valid"),
        (lambda d: d["decisions"][1].update(id=True), "decisions.1.id: input should be a valid"),
        (lambda d: d["decisions"][0].update(note=None), "decisions.0.note: input should be"),
        (lambda d: d["decisions"][0].pop("reviewer"), "decisions.0.reviewer: field required"),
        (lambda d: d["decisions"][0].update(extra=1), "decisions.0.extra: extra inputs are"),
        (lambda d: d["head"].update(count=[3]), "head.count: input should be a valid integer"),
    ],
    ids=["not-list", "not-object", "id-text", "id-bool", "note-null", "missing", "extra", "head"],
)
def test_wrong_types_are_a_one_line_error(
    log: Path, tmp_path: Path, change: Callable[[dict], object], expected: str
) -> None:
    path, data = _export(log, tmp_path)
    change(data)
    assert expected in _refused(_save(path, data), tmp_path).lower()


def test_csv_of_the_wrong_shape_is_a_one_line_error(log: Path, tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    write_export(ReviewDB.open_existing(log), path)
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    path.write_text("\n".join(",".join(r) for r in [rows[0], rows[1] + ["extra"]]) + "\n")
    assert "decisions.csv:2: the row does not have one value a column" in _refused(path, tmp_path)
    path.write_text("id,action\n1,grant\n", encoding="utf-8")
    assert "the columns are not those of a decisions export" in _refused(path, tmp_path)
    rows[1][0] = "one"
    path.write_text("\n".join(",".join(r) for r in rows[:2]) + "\n", encoding="utf-8")
    assert "decisions.csv:2: id: input should be a valid integer" in _refused(path, tmp_path)


# --- the workbench does not work on a log that does not verify -------------------------
def test_workbench_refuses_a_tampered_log(log: Path, tmp_path: Path) -> None:
    pytest.importorskip("flask")
    from cmr_reason.cli.workbench.app import create_app

    with _raw(log) as conn:
        conn.execute("DROP TRIGGER decisions_append_only_update")
    with pytest.raises(TamperedLog, match="was dropped"):
        create_app(tmp_path, log)


def test_head_signature_covers_the_count(log: Path) -> None:
    with _raw(log) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'head_count'")
    with pytest.raises(TamperedLog, match="head is not signed by this key"):
        ReviewDB.open_existing(log).verify()


def test_entry_hash_is_sha256_of_the_canonical_form(log: Path) -> None:
    first = ReviewDB.open_existing(log).decisions()[0]
    fields = {k: v for k, v in first.as_dict().items() if k not in ("entry_hash", "signature")}
    text = json.dumps({"format": "cmr-reason decision 1", **fields}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)  # fmt: skip
    assert first.entry_hash == hashlib.sha256(text.encode()).hexdigest()
    assert first.prev_hash == "0" * 64


def test_older_copy_of_the_log_is_refused_after_a_newer_one_applied(
    log: Path, tmp_path: Path
) -> None:
    """Rolling back to an older export would bring back a decision superseded since."""
    older, _ = _export(log, tmp_path)
    ReviewDB.open_existing(log).add_decision(
        conviction_id=CHALLENGED, subject_id="1001", action="grant", reviewer="sue",
        fingerprint="v1:c", record_fingerprint="r1:r",
    )  # fmt: skip
    doj = write(tmp_path / "doj.csv", [arrest("001001001000", "20100105"),
                                      court("001002001000", "20100301")])  # fmt: skip
    out = tmp_path / "out"
    base = ["run", str(doj), "--as-of", AS_OF, "--out", str(out), "-q", "--force"]
    result = runner.invoke(app, [*base, "--decisions", str(log)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["decisions"]["log"]["entries"] == 4
    result = runner.invoke(app, [*base, "--decisions", str(older)])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "applied a log of 4 decision(s) that this one does not" in said
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    fresh = tmp_path / "fresh"  # into another directory, the older export is a log like any
    result = runner.invoke(app, [*base[:5], str(fresh), "-q", "--decisions", str(older)])
    assert result.exit_code == 0, result.output
