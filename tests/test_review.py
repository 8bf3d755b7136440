"""The reviewers' workbench without a browser: database, decisions as facts, app safety."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
import stat
from pathlib import Path

import clingo
import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.cli.workbench.auth import hash_password, load_secret, verify_password
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.review.db import (
    ACTIONS,
    GROUNDS,
    RELIEFS,
    ReviewDB,
    StaleDecision,
    StoredDecision,
    clean_note,
)
from cmr_reason.reasoner.review.decision_facts import (
    check_decisions,
    conviction_fingerprint,
    decision_fact,
    latest_per_conviction,
    record_fingerprint,
)
from cmr_reason.reasoner.review.decision_files import key_candidates, read_verified, write_export
from cmr_reason.reasoner.run.directory import open_run

flask = pytest.importorskip("flask")
from cmr_reason.cli.workbench.app import create_app, warm_up  # noqa: E402

runner = CliRunner()
AS_OF = "2020-07-01"
PASSWORD = {"rita": "reviewer-pass-1", "sue": "supervisor-pass-1"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _run(out: Path, *extra: str) -> None:
    result = runner.invoke(
        app, ["run", "--as-of", AS_OF, "--out", str(out), "-q", "--force", *extra]
    )
    assert result.exit_code == 0, result.output


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("review") / "run"
    _run(out)
    db = ReviewDB.create(out / "review.sqlite3")
    db.add_user("rita", "reviewer", hash_password(PASSWORD["rita"]))
    db.add_user("sue", "supervisor", hash_password(PASSWORD["sue"]))
    return out


def _target(run: Path, outcome: str, reason: str, section: str = "HS") -> dict[str, str]:
    return next(
        r
        for r in _rows(run / "convictions.csv")
        if r["outcome"] == outcome
        and r["reason"] == reason
        and r["level"] == "felony"
        and r["code_section"].startswith(section)
    )


# --- database ---------------------------------------------------------------------------
def test_database_is_private_and_append_only(tmp_path: Path) -> None:
    db = ReviewDB.create(tmp_path / "review.sqlite3")
    assert stat.S_IMODE((tmp_path / "review.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "review.key").stat().st_mode) == 0o600
    db.add_user("ann", "reviewer", hash_password("a-long-password"))
    with pytest.raises(UserError, match="already exists"):
        db.add_user("ann", "supervisor", hash_password("a-long-password"))
    with pytest.raises(UserError, match="role"):
        db.add_user("bob", "admin", "x")
    first = db.add_decision(
        conviction_id="1:1", subject_id="1", action="grant", reviewer="ann", fingerprint="f",
        record_fingerprint="r",
    )  # fmt: skip
    second = db.add_decision(
        conviction_id="1:1", subject_id="1", action="challenge", ground="other",
        reviewer="ann", fingerprint="f", record_fingerprint="r", note="see file",
    )  # fmt: skip
    assert second.prev_hash == first.entry_hash and len(second.signature) == 64
    assert first.supersedes is None and second.supersedes == first.id
    assert db.latest_decisions()["1:1"].id == second.id
    with db.connect() as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE decisions SET note = 'changed'")
    with db.connect() as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM decisions")
    assert [d.id for d in db.decisions()] == [first.id, second.id]


def test_stale_decision_is_refused(tmp_path: Path) -> None:
    db = ReviewDB.create(tmp_path / "review.sqlite3")
    db.add_user("ann", "reviewer", hash_password("a-long-password"))
    kept = db.add_decision(
        conviction_id="1:1", subject_id="1", action="grant", reviewer="ann", fingerprint="f",
        record_fingerprint="r", check_latest=True, expected_latest=None,
    )  # fmt: skip
    with pytest.raises(StaleDecision):
        db.add_decision(
            conviction_id="1:1", subject_id="1", action="grant", reviewer="ann",
            fingerprint="f", record_fingerprint="r", check_latest=True, expected_latest=None,
        )  # fmt: skip
    assert [d.id for d in db.decisions()] == [kept.id]


@pytest.mark.parametrize(
    ("action", "relief", "ground"),
    [("grant_other", "", ""), ("challenge", "", ""), ("grant", "dismiss_and_seal", ""),
     ("grant", "", "other"), ("dismiss", "", "")],
)  # fmt: skip
def test_decision_values_are_checked(tmp_path: Path, action: str, relief: str, ground: str) -> None:
    db = ReviewDB.create(tmp_path / "review.sqlite3")
    db.add_user("ann", "reviewer", hash_password("a-long-password"))
    with pytest.raises(UserError):
        db.add_decision(
            conviction_id="1:1", subject_id="1", action=action, relief=relief, ground=ground,
            reviewer="ann", fingerprint="f", record_fingerprint="r",
        )  # fmt: skip


def test_notes_lose_control_characters() -> None:
    assert clean_note("line one\nline\ttwo\x00\u202e.") == "line one line two"
    fact = decision_fact(
        StoredDecision(
            id=3,
            conviction_id='a"b',
            subject_id="a",
            action="grant",
            relief="",
            ground="",
            note='say "no"\\',
            reviewer="ann",
            decided_at="2024-05-02T10:00:00+00:00",
            fingerprint="f",
        )
    )
    ctl = clingo.Control()
    ctl.add("base", [], fact)
    ctl.ground([("base", [])])
    notes = [s.symbol.arguments[1].string for s in ctl.symbolic_atoms.by_signature(
        "reviewer_note", 2)]  # fmt: skip
    assert notes == ['say "no"\\']


def test_export_round_trip(tmp_path: Path) -> None:
    db = ReviewDB.create(tmp_path / "review.sqlite3")
    db.add_user("ann", "reviewer", hash_password("a-long-password"))
    for action, ground, note in (("grant", "", "n"), ("challenge", "other", 'n2, "quoted"')):
        db.add_decision(conviction_id="1:1", subject_id="1", action=action, ground=ground,
                        note=note, reviewer="ann", fingerprint="v1:a",
                        record_fingerprint="r1:b")  # fmt: skip
    items = db.decisions()
    for name in ("d.csv", "d.json"):
        assert write_export(db, tmp_path / name) == 2
        back = read_verified(tmp_path / name, key_candidates(tmp_path / name, None, None))
        assert back.entries == items and back.head.count == 2
        assert latest_per_conviction(back.entries)["1:1"].id == items[1].id
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "d.csv.sig").stat().st_mode) == 0o600


def test_passwords_and_secret() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("wrong horse battery", stored)
    assert not verify_password("x", "not-a-hash")
    with pytest.raises(UserError):
        hash_password("short")


def test_secret_is_private(tmp_path: Path) -> None:
    first = load_secret(tmp_path / "review.secret")
    assert stat.S_IMODE((tmp_path / "review.secret").stat().st_mode) == 0o600
    assert load_secret(tmp_path / "review.secret") == first


def test_form_vocabularies_match_the_program() -> None:
    """The database and the form take their choices from the programs' declarations."""
    ctl = clingo.Control()
    for name in ("vocabulary.lp", "review_decisions.lp"):
        ctl.add("base", [], (PROGRAMS_DIR / "core" / name).read_text())
    ctl.ground([("base", [])])

    def first_args(name: str, arity: int) -> set[str]:
        return {str(s.symbol.arguments[0]) for s in ctl.symbolic_atoms.by_signature(name, arity)}

    grounds = first_args("challenge_ground", 2)
    assert grounds == set(GROUNDS) == first_args("challenge_ground_label", 3)
    assert first_args("relief_outcome", 1) == set(RELIEFS)
    assert first_args("review_action", 3) == set(ACTIONS)
    # Every ground has a label and a phrase, every action a label, every outcome a label.
    vocab = vocabulary()
    assert set(vocab.ground_labels) == set(vocab.ground_texts) == grounds
    assert set(vocab.labels) == set(vocab.results) == set(vocab.outcomes)


# --- the app -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def web(base_run: Path):
    application = create_app(base_run, base_run / "review.sqlite3")
    application.config["TESTING"] = True
    return application


def _login(client, name: str) -> str:
    page = client.get("/login").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    reply = client.post("/login", data={"csrf_token": token, "name": name,
                                         "password": PASSWORD[name]})  # fmt: skip
    assert reply.status_code == 302, reply.get_data(as_text=True)
    page = client.get("/queue").get_data(as_text=True)
    return TOKEN.search(page).group(1)


def test_pages_need_a_login(web) -> None:
    client = web.test_client()
    for path in ("/queue", "/person/1", "/export/decisions.csv"):
        reply = client.get(path)
        assert reply.status_code == 302 and "/login" in reply.headers["Location"], path
    assert client.post("/person/1/decide", data={}).status_code == 400  # no CSRF token


def test_wrong_password_and_csrf(web) -> None:
    client = web.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    bad = client.post("/login", data={"csrf_token": token, "name": "rita", "password": "nope"})
    assert bad.status_code == 401
    no_token = client.post("/login", data={"name": "rita", "password": PASSWORD["rita"]})
    assert no_token.status_code == 400
    forged = client.post("/login", data={"csrf_token": "forged", "name": "rita",
                                         "password": PASSWORD["rita"]})  # fmt: skip
    assert forged.status_code == 400


def test_headers_and_host_check(web) -> None:
    client = web.test_client()
    reply = client.get("/login")
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["Cache-Control"] == "no-store"
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert "http" not in re.sub(r"http://localhost", "", reply.get_data(as_text=True)).lower()


def test_roles(web, base_run: Path) -> None:
    reviewer = web.test_client()
    token = _login(reviewer, "rita")
    assert reviewer.get("/export/decisions.csv").status_code == 403
    sid = _rows(base_run / "people.csv")[0]["subject_id"]
    reply = reviewer.post(f"/person/{sid}/assign", data={"csrf_token": token, "assignee": "rita"})
    assert reply.status_code == 403
    supervisor = web.test_client()
    token = _login(supervisor, "sue")
    reply = supervisor.post(f"/person/{sid}/assign", data={"csrf_token": token,
                                                          "assignee": "rita"})  # fmt: skip
    assert reply.status_code == 302
    assert ReviewDB(base_run / "review.sqlite3").assignments()[sid] == "rita"
    export = supervisor.get("/export/decisions.csv")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")


def test_decide_supersede_and_stale_form(web, base_run: Path) -> None:
    client = web.test_client()
    token = _login(client, "rita")
    row = _target(base_run, "not_eligible", "prior_superstrike")
    sid, cid = row["subject_id"], row["conviction_id"]
    page = client.get(f"/person/{sid}").get_data(as_text=True)
    assert row["raw_charge"] in page
    assert re.search(r"p64\.exclude\.113(58|59|60)\.prior_superstrike", page)
    form = {"csrf_token": token, "conviction_id": cid, "action": "challenge",
            "ground": "not_eligible_prior_superstrike", "note": "Prior confirmed",
            "latest_seen": ""}  # fmt: skip
    assert client.post(f"/person/{sid}/decide", data=form).status_code == 302
    db = ReviewDB(base_run / "review.sqlite3")
    first = db.latest_decisions()[cid]
    assert first.reviewer == "rita" and first.ground == "not_eligible_prior_superstrike"
    history = open_run(base_run).history(sid)
    assert first.record_fingerprint == record_fingerprint(history)
    # The same form again (it still says no decision was seen): refused, nothing stored.
    client.post(f"/person/{sid}/decide", data=form)
    assert len(db.decisions(conviction_id=cid)) == 1
    again = {**form, "action": "grant", "ground": "", "note": "", "latest_seen": str(first.id)}
    client.post(f"/person/{sid}/decide", data=again)
    trail = db.decisions(conviction_id=cid)
    assert [d.action for d in trail] == ["challenge", "grant"]
    assert trail[1].supersedes == first.id
    # A public-safety challenge of a completed sentence is refused by the form.
    bad = {**form, "ground": "public_safety", "latest_seen": str(trail[1].id)}
    client.post(f"/person/{sid}/decide", data=bad)
    assert len(db.decisions(conviction_id=cid)) == 2


def test_form_refuses_what_the_programs_refuse(web, base_run: Path) -> None:
    """A misdemeanor cannot be "redesignated as a misdemeanor": the form shows it, and refuses."""
    client = web.test_client()
    token = _login(client, "rita")
    row = next(
        r
        for r in _rows(base_run / "convictions.csv")
        if r["level"] == "misdemeanor" and r["outcome"] in RELIEFS and r["county"]
    )
    sid, cid = row["subject_id"], row["conviction_id"]
    page = client.get(f"/person/{sid}").get_data(as_text=True)
    why = "a misdemeanor cannot be redesignated as a misdemeanor"
    assert f'value="redesignate_misdemeanor" disabled title="{why}' in page
    form = {"csrf_token": token, "conviction_id": cid, "action": "grant_other",
            "relief": "redesignate_misdemeanor", "note": "Reduce", "latest_seen": ""}  # fmt: skip
    answer = client.post(f"/person/{sid}/decide", data=form, follow_redirects=True)
    assert f"This cannot be applied: {why}" in answer.get_data(as_text=True)
    assert ReviewDB(base_run / "review.sqlite3").decisions(conviction_id=cid) == []
    fits = {**form, "relief": "dismiss_and_seal", "note": "Dismiss instead"}
    client.post(f"/person/{sid}/decide", data=fits)
    stored = ReviewDB(base_run / "review.sqlite3").decisions(conviction_id=cid)
    assert [d.relief for d in stored] == ["dismiss_and_seal"]


def test_person_page_names_a_reviews_candidates(web, base_run: Path) -> None:
    client = web.test_client()
    _login(client, "rita")
    row = _target(base_run, "review", "attempt", "HS 11359")
    page = client.get(f"/person/{row['subject_id']}").get_data(as_text=True)
    assert 'Candidate outcomes: <span class="badge o-redesignate_misdemeanor">' in page


# --- decisions into the run ------------------------------------------------------------------
def test_fingerprint_mismatch_and_missing_conviction_are_not_applied(base_run: Path) -> None:
    run = open_run(base_run)
    row = _target(base_run, "review", "attempt")
    history = run.history(row["subject_id"])
    conv = next(c for c in history.convictions if c.conviction_id == row["conviction_id"])
    make = StoredDecision
    good = make(1, conv.conviction_id, history.subject_id, "grant", "", "", "", "ann",
                "2024-01-02T00:00:00+00:00", conviction_fingerprint(conv),
                record_fingerprint=record_fingerprint(history))  # fmt: skip
    changed = make(2, "x:1", "x", "grant", "", "", "", "ann", "2024-01-02T00:00:00+00:00", "v1:0")
    latest = latest_per_conviction([good, changed])
    checked = check_decisions(latest, {history.subject_id: history, "x": None}, Path("db"))
    assert [d.id for d in checked.applied] == [1]
    assert checked.not_applied == [(changed, "conviction_missing")]
    edited = make(3, conv.conviction_id, history.subject_id, "grant", "", "", "", "ann",
                  "2024-01-02T00:00:00+00:00", "v1:stale")  # fmt: skip
    checked = check_decisions(latest_per_conviction([edited]), {history.subject_id: history},
                              Path("db"))  # fmt: skip
    assert checked.not_applied == [(edited, "conviction_changed")]


def test_run_with_exported_decisions(base_run: Path, tmp_path: Path) -> None:
    run = open_run(base_run)
    row = _target(base_run, "review", "attempt", "HS 11359")  # the statute: redesignate
    history = run.history(row["subject_id"])
    conv = next(c for c in history.convictions if c.conviction_id == row["conviction_id"])
    db = ReviewDB.create(tmp_path / "review.sqlite3")
    db.add_user("ann", "reviewer", hash_password("a-long-password"))
    record = record_fingerprint(history)
    db.add_decision(conviction_id=conv.conviction_id, subject_id=history.subject_id,
                    action="more_information", reviewer="ann", note="ask the court",
                    fingerprint=conviction_fingerprint(conv),
                    record_fingerprint=record)  # fmt: skip
    db.add_decision(conviction_id=conv.conviction_id, subject_id=history.subject_id,
                    action="grant_other", relief="dismiss_and_seal", reviewer="ann",
                    note="Court file: simple possession",
                    fingerprint=conviction_fingerprint(conv),
                    record_fingerprint=record)  # fmt: skip
    db.add_decision(conviction_id="nobody:1", subject_id="nobody", action="grant",
                    reviewer="ann", fingerprint="v1:0", record_fingerprint="r1:0")  # fmt: skip
    export = tmp_path / "decisions.json"
    result = runner.invoke(app, ["decisions", "export", str(tmp_path), "--out", str(export),
                                 "--db", str(tmp_path / "review.sqlite3")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    assert len(json.loads(export.read_text())["decisions"]) == 3
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", "--as-of", AS_OF, "--out", str(out), "--decisions",
                                 str(export)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "nobody:1 not applied" in result.output
    rows = _rows(out / "convictions.csv")
    new = next(r for r in rows if r["conviction_id"] == conv.conviction_id)
    assert (new["outcome"], new["reason"]) == ("dismiss_and_seal", "reviewer_grant")
    assert new["rule_ids"].startswith("review.grant_other")
    assert "reviewer_beyond_statute" in new["flags"]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert f"Decided by a reviewer on {today}: Court file: simple possession." in new["explanation"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [a["action"] for a in manifest["decisions"]["applied"]] == ["grant_other"]
    assert manifest["decisions"]["not_applied"][0]["problem"] == "conviction_missing"
    assert stat.S_IMODE((out / "decisions.lp").stat().st_mode) == 0o600
    # The finished run re-decides with its decisions; a changed decisions file is refused.
    trees = open_run(out).explain(history.subject_id)
    tree = next(t for t in trees if t["conviction_id"] == conv.conviction_id)
    assert tree["rule"]["rule_id"] == "review.grant_other"
    (out / "decisions.lp").write_text("")
    with pytest.raises(UserError, match="changed since the run"):
        open_run(out).explain(history.subject_id)


def test_force_rerun_keeps_the_review_database(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _run(out)
    db = ReviewDB.create(out / "review.sqlite3")
    db.add_user("ann", "reviewer", hash_password("a-long-password"))
    load_secret(out / "review.secret")
    _run(out, "--decisions", str(out / "review.sqlite3"))
    assert [u.name for u in ReviewDB(out / "review.sqlite3").users()] == ["ann"]
    assert (out / "review.secret").is_file()
    assert json.loads((out / "manifest.json").read_text())["decisions"]["applied"] == []


def test_force_rerun_keeps_the_workbench_caches(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _run(out)
    warm_up(open_run(out))  # builds the subject index and the row store
    caches = [out / "subject_index.sqlite", out / "output_rows.sqlite"]
    built = [path.stat().st_ino for path in caches]
    _run(out)  # the same input and policy: both caches still fit the run
    warm_up(open_run(out))
    assert [path.stat().st_ino for path in caches] == built  # kept and reused, not rebuilt
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in caches)
    # Other outputs (another policy, so --force-settings): the row store is rebuilt.
    _run(out, "--policy", "los-angeles-2020", "--force-settings")
    warm_up(open_run(out))
    assert caches[0].stat().st_ino == built[0]
    assert caches[1].stat().st_ino != built[1]


def _fake_run(folder: Path) -> Path:
    """A folder with the files of a run (enough for the users commands, which open it)."""
    folder.mkdir()
    (folder / "manifest.json").write_text('{"tool": "cmr-reason"}', encoding="utf-8")
    (folder / "summary.json").write_text("{}", encoding="utf-8")
    for name in ("convictions.csv", "people.csv", "cases.csv"):
        (folder / name).write_text("", encoding="utf-8")
    return folder


def test_users_cli(tmp_path: Path) -> None:
    run = _fake_run(tmp_path / "run")
    result = runner.invoke(app, ["users", "add", "ann", str(run), "--role", "supervisor",
                                 "--password-stdin"], input="a-long-password\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["users", "list", str(run)])
    assert listed.output.strip() == "ann\tsupervisor"
    short = runner.invoke(app, ["users", "add", "bob", str(run), "--password-stdin"],
                          input="short\n")  # fmt: skip
    assert short.exit_code == 2 and "at least" in short.output
    missing = runner.invoke(app, ["serve", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "not a run directory" in missing.output


def test_users_add_and_serve_on_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    """Said first, in one line: before a password prompt, a database or an index."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "doj.csv").write_text("", encoding="utf-8")
    for args in (["users", "add", "ann", str(folder)], ["serve", str(folder)]):
        result = runner.invoke(app, args, input="a-long-password\na-long-password\n")
        assert result.exit_code == 2, result.output
        assert result.output.splitlines() == [
            f"error: {folder} is not a cmr-reason run (it has no manifest.json): give the "
            "folder that `cmr-reason run --out` wrote"
        ]
    assert sorted(p.name for p in folder.iterdir()) == ["doj.csv"]  # nothing made in it


def test_program_set_loads_review_rules() -> None:
    assert "review_decisions.lp" in {p.name for p in load_program_set("statute").files}
