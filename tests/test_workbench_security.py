"""The workbench's hardening (issue #16 item 6), through Flask's test client.

Redirects after log-in stay on the app; a log-out or a password change ends the session on
the server; repeated failed log-ins lock the name out, for longer each time (an injected
clock: nothing sleeps); every file the workbench writes is owner-only and none is created
by a look while a re-run moves the database; and the app keeps answering, from the last
complete run, while a run directory is swapped under it.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from doj_builder import arrest, court, write
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.cli.workbench.auth import hash_password, verify_password
from cmr_reason.reasoner.review.db import ReviewDB
from cmr_reason.reasoner.run.contents import review_files

flask = pytest.importorskip("flask")
from cmr_reason.cli.workbench.app import create_app  # noqa: E402

runner = CliRunner()
PASSWORD = {"rita": "reviewer-pass-1", "sue": "supervisor-pass-1"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
COOKIE = "cmr_review"
# A hash made by the workbench's own scrypt code before werkzeug (password below).
LEGACY_HASH = (
    "scrypt$32768$8$1$RTXJBuW0UarXQg7AK4DRdg==$9gyz2b4fwEgXbHBJJq6dh/SpSHJEq0NVlz19ulxl/UY="
)
LEGACY_PASSWORD = "legacy-password-1"
OTHER = {"SUBJECT_ID": "2002", "PRI_NAME": "OTHER,BEA", "PRI_DOB": "19900202",
         "CII_NUMBER": "A000000002"}  # fmt: skip


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _doj(path: Path) -> Path:
    return write(path, [
        arrest("001001001000", "20100105"), court("001002001000", "20100301"),
        arrest("001001001000", "20110105", **OTHER), court("001002001000", "20110301", **OTHER),
    ])  # fmt: skip


def _run(doj: Path, out: Path, as_of: str = "2020-07-01") -> None:
    result = runner.invoke(app, ["run", str(doj), "--as-of", as_of, "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with two users, built once; each test works on a copy."""
    base = tmp_path_factory.mktemp("security")
    _run(_doj(base / "doj.csv"), base / "run")
    db = ReviewDB.create(base / "run" / "review.sqlite3")
    for name, role in (("rita", "reviewer"), ("sue", "supervisor")):
        db.add_user(name, role, hash_password(PASSWORD[name]))
    return base


@pytest.fixture
def run_dir(built: Path, tmp_path: Path) -> Path:
    shutil.copy(built / "doj.csv", tmp_path / "doj.csv")
    shutil.copytree(built / "run", tmp_path / "run")
    manifest = tmp_path / "run" / "manifest.json"  # the input's path, in the copy
    manifest.write_text(manifest.read_text().replace(str(built), str(tmp_path)))
    return tmp_path / "run"


def _app(
    run_dir: Path, clock: Clock | None = None, sleep: Callable[[float], None] = lambda s: None
):
    web = create_app(run_dir, run_dir / "review.sqlite3", clock=clock, sleep=sleep)
    web.config["TESTING"] = True
    return web


def _token(client) -> str:
    return TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)


def _login(client, name: str, password: str | None = None, next_: str = ""):
    form = {"csrf_token": _token(client), "name": name, "password": password or PASSWORD[name],
            "next": next_}  # fmt: skip
    return client.post("/login", data=form)


# --- redirects ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/\t/evil.example", "/queue"),  # browsers drop the tab: //evil.example
        ("/\n/evil.example", "/queue"),
        ("//evil.example", "/queue"),
        ("/\\evil.example", "/queue"),  # browsers read \ as /
        ("\\\\evil.example", "/queue"),
        ("https://evil.example/queue", "/queue"),
        ("http:/evil.example", "/queue"),
        ("javascript:alert(1)", "/queue"),
        ("/%2F%2Fevil.example", "/queue"),  # no such page
        (" /queue", "/queue"),
        ("/nowhere", "/queue"),
        ("/queue?status=all", "/queue"),  # the path alone
        ("/person/1001", "/person/1001"),
        ("", "/queue"),
    ],
)
def test_redirect_after_log_in_stays_on_the_app(run_dir: Path, target: str, expected: str) -> None:
    client = _app(run_dir).test_client()
    reply = _login(client, "rita", next_=target)
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location == expected
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc and not location.startswith("//")


# --- sessions end on the server -------------------------------------------------------------
def _cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def _with_cookie(web, value: str):
    other = web.test_client()
    other.set_cookie(COOKIE, value)
    return other


def test_log_out_ends_the_session_on_the_server(run_dir: Path) -> None:
    web = _app(run_dir)
    client = web.test_client()
    assert _login(client, "rita").status_code == 302
    copied = _cookie(client)
    assert _with_cookie(web, copied).get("/queue").status_code == 200
    token = TOKEN.search(client.get("/queue").get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    # The cookie as it was before the log-out is still validly signed: refused all the same.
    reply = _with_cookie(web, copied).get("/queue")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    assert _login(client, "rita").status_code == 302  # logging in again works
    assert client.get("/queue").status_code == 200


def test_password_change_ends_the_sessions(run_dir: Path) -> None:
    web = _app(run_dir)
    rita, sue = web.test_client(), web.test_client()
    assert _login(rita, "rita").status_code == 302 and _login(sue, "sue").status_code == 302
    result = runner.invoke(app, ["users", "passwd", "rita", str(run_dir), "--password-stdin"],
                           input="a-new-password-1\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    reply = rita.get("/queue")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    assert sue.get("/queue").status_code == 200  # another user's session goes on
    assert _login(rita, "rita").status_code == 401
    assert _login(rita, "rita", "a-new-password-1").status_code == 302


def test_session_expires_after_eight_hours(run_dir: Path) -> None:
    clock = Clock()
    client = _app(run_dir, clock).test_client()
    assert _login(client, "rita").status_code == 302
    clock.now += 8 * 3600 - 1
    assert client.get("/queue").status_code == 200
    clock.now += 2
    assert client.get("/queue").status_code == 302


# --- lock-out and back-off ------------------------------------------------------------------
def test_failed_log_ins_lock_the_name_out_with_back_off(run_dir: Path) -> None:
    clock = Clock()
    client = _app(run_dir, clock).test_client()
    for _ in range(4):
        assert _login(client, "rita", "wrong-password").status_code == 401
    locked = _login(client, "rita", "wrong-password")  # the fifth: locked for 30 s
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "30"
    assert "Too many failed log-ins" in locked.get_data(as_text=True)
    # While locked, not even the right password is checked; guessing on does not help.
    for _ in range(140):
        assert _login(client, "rita").status_code == 429
    clock.now += 29
    assert _login(client, "rita").status_code == 429
    clock.now += 1
    again = _login(client, "rita", "wrong-password")  # one more failure: 60 s now
    assert again.status_code == 429 and again.headers["Retry-After"] == "60"
    clock.now += 59
    assert _login(client, "rita").status_code == 429
    clock.now += 1
    assert _login(client, "rita").status_code == 302  # the right password, once unlocked
    # A success forgets the failures.
    other = _app(run_dir, clock).test_client()
    assert _login(other, "sue", "wrong-password").status_code == 401


def test_lock_out_grows_to_fifteen_minutes_and_spares_other_names(run_dir: Path) -> None:
    clock = Clock()
    client = _app(run_dir, clock).test_client()
    waits = []
    for _ in range(12):
        reply = _login(client, "rita", "wrong-password")
        waits.append(int(reply.headers.get("Retry-After", 0)))
        clock.now += waits[-1]
    assert waits == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]
    assert _login(client, "sue").status_code == 302


def test_unknown_names_lock_out_alike(run_dir: Path) -> None:
    client = _app(run_dir, Clock()).test_client()
    replies = [_login(client, "nobody", "wrong-password").status_code for _ in range(5)]
    assert replies == [401, 401, 401, 401, 429]


# --- passwords through werkzeug -------------------------------------------------------------
def test_passwords_hash_through_werkzeug_and_old_hashes_still_verify(run_dir: Path) -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt:32768:8:1$")  # same scrypt parameters as before
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert verify_password(LEGACY_PASSWORD, LEGACY_HASH)
    assert not verify_password("legacy-password-2", LEGACY_HASH)
    # A user whose hash was made by the older code logs in.
    ReviewDB.open_existing(run_dir / "review.sqlite3").set_password("rita", LEGACY_HASH)
    client = _app(run_dir).test_client()
    assert _login(client, "rita", LEGACY_PASSWORD).status_code == 302


def test_user_record_changed_without_the_key_cannot_log_in(run_dir: Path) -> None:
    db_path = run_dir / "review.sqlite3"
    web = _app(run_dir)
    rita = web.test_client()
    assert _login(rita, "rita").status_code == 302
    with sqlite3.connect(db_path, isolation_level=None) as conn:
        conn.execute("DROP TRIGGER users_keep_identity")
        conn.execute("UPDATE users SET role = 'supervisor' WHERE name = 'rita'")
    assert rita.get("/queue").status_code == 302  # the session ends
    assert _login(web.test_client(), "rita").status_code == 401
    with sqlite3.connect(db_path, isolation_level=None) as conn:  # someone's own password
        conn.execute("UPDATE users SET password_hash = ? WHERE name = 'sue'",
                     (hash_password("mallory-password"),))  # fmt: skip
    assert _login(web.test_client(), "sue", "mallory-password").status_code == 401


# --- files ----------------------------------------------------------------------------------
def test_files_the_workbench_writes_are_owner_only(run_dir: Path) -> None:
    web = _app(run_dir)
    client = web.test_client()
    _login(client, "sue")
    token = TOKEN.search(client.get("/person/1001").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "conviction_id": "1001:001002001000", "action": "challenge",
            "ground": "other", "note": "Court file read", "latest_seen": ""}  # fmt: skip
    assert client.post("/person/1001/decide", data=form).status_code == 302
    assert len(ReviewDB.open_existing(run_dir / "review.sqlite3").decisions()) == 1
    assert client.get("/export/decisions.json").status_code == 200
    written = review_files(run_dir)
    names = {p.name for p in written}
    assert {"review.sqlite3", "review.key", "review.secret", "output_rows.sqlite",
            "subject_index.sqlite"} <= names  # fmt: skip
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written), written


def test_no_database_is_created_while_a_re_run_moves_it(run_dir: Path) -> None:
    waits: list[float] = []
    web = _app(run_dir, sleep=waits.append)
    client = web.test_client()
    assert _login(client, "rita").status_code == 302
    aside = run_dir.parent / "aside"
    aside.mkdir()
    for path in review_files(run_dir):  # what a re-run does while it builds the new run
        path.rename(aside / path.name)
    reply = client.get("/queue")
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "5"
    assert sum(waits) == pytest.approx(2.0)  # it waited (an injected sleep) then gave up
    assert not (run_dir / "review.sqlite3").exists()  # not created, at 0644 or at all
    for path in aside.iterdir():
        path.rename(run_dir / path.name)
    assert client.get("/queue").status_code == 200  # the session survived the move


# --- a run replaced under the running app ---------------------------------------------------
PAGES = ("/queue", "/queue?status=all", "/person/1001", "/person/2002")


def _answers(client) -> dict[str, int]:
    return {page: client.get(page).status_code for page in PAGES}


def test_app_keeps_serving_while_the_run_is_swapped(run_dir: Path) -> None:
    """The replacement a re-run makes (docs/outputs.md): built beside, renamed in, old removed."""
    base = run_dir.parent
    new = base / ".run.tmp-1"
    _run(base / "doj.csv", new, as_of="2021-01-01")
    steps: list[Callable[[], None]] = []

    def sleep(_: float) -> None:  # a request waiting for the database lets the re-run go on
        if steps:
            steps.pop(0)()

    web = _app(run_dir, sleep=sleep)
    client = web.test_client()
    assert _login(client, "rita").status_code == 302
    assert set(_answers(client).values()) == {200}
    assert "2020-07-01" in client.get("/queue").get_data(as_text=True)
    # 1. The review files move into the new run: a request waits, and meanwhile the old run
    #    is renamed aside and the new one renamed in (the waits run those steps).
    for path in review_files(run_dir):
        path.rename(new / path.name)
    steps += [lambda: run_dir.rename(base / ".run.old-1"), lambda: new.rename(run_dir)]
    assert set(_answers(client).values()) == {200}
    assert "2021-01-01" in client.get("/queue").get_data(as_text=True)  # the new run
    # 2. The old directory is removed: nothing refers to it.
    shutil.rmtree(base / ".run.old-1")
    assert set(_answers(client).values()) == {200}


def test_old_view_stays_whole_after_its_files_are_gone(run_dir: Path) -> None:
    """A request that began on the old run finishes on it, even after the swap."""
    web = _app(run_dir)
    holder = web.config["REVIEW_RUN"]
    old = holder.view()
    base = run_dir.parent
    run_dir.rename(base / ".run.old-2")
    # While the directory is missing (between the two renames), the last run is kept.
    assert holder.view() is old
    _run(base / "doj.csv", run_dir, as_of="2021-01-01")
    shutil.rmtree(base / ".run.old-2")
    assert old.store.person("1001") is not None  # read through its pinned connection
    assert old.run.history("1001") is not None  # the subject index too
    assert [c["conviction_id"] for c in old.store.convictions_of("2002")] == ["2002:001002001000"]
    new = holder.view()
    assert new is not old and new.run.manifest["as_of"] == "2021-01-01"


def test_incomplete_new_run_keeps_the_last_one(run_dir: Path) -> None:
    web = _app(run_dir, clock=Clock())
    client = web.test_client()
    assert _login(client, "rita").status_code == 302
    base = run_dir.parent
    run_dir.rename(base / ".run.old-3")
    run_dir.mkdir()
    for path in review_files(base / ".run.old-3"):
        path.rename(run_dir / path.name)
    (run_dir / "manifest.json").write_text("{}")  # a manifest, but no run around it
    assert set(_answers(client).values()) == {200}
    assert "2020-07-01" in client.get("/queue").get_data(as_text=True)
