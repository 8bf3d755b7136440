"""The reviewers' workbench: a local Flask app over a finished run and its review database.

This module builds the app and its safety: log-in with hashed passwords and a lock-out after
repeated failures, sessions in signed cookies (the secret beside the database) that a
log-out or a password change ends on the server side too, a CSRF token on every POST, two
roles, a redirect after log-in only to a path of this app, security headers (a strict
Content-Security-Policy, no framing, no caching of pages with personal data) and a check of
the Host header against the loopback names, so that another site cannot reach the app by
pointing a name at 127.0.0.1. The run it shows is held by
:mod:`cmr_reason.cli.workbench.run_holder`, which keeps serving the last complete run while a
re-run replaces it; the pages are in :mod:`cmr_reason.cli.workbench.pages`. Nothing is fetched
from outside: CSS and JS are local.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
)
from flask import url_for as _url_for
from werkzeug.exceptions import HTTPException, SecurityError

from cmr_reason.cli.workbench.auth import (
    LoginThrottle,
    csrf_matches,
    dummy_hash,
    load_secret,
    new_csrf_token,
    verify_password,
)
from cmr_reason.cli.workbench.context import current_user, in_run, landing, workspace
from cmr_reason.cli.workbench.jobs import RunJobs
from cmr_reason.cli.workbench.paths import AllowedFolders
from cmr_reason.cli.workbench.run_holder import RunHolder, warm_up
from cmr_reason.cli.workbench.workspace import Workspace
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.review.db import ReviewDB
from cmr_reason.reasoner.run.contents import secret_path
from cmr_reason.reasoner.run.sqlite_cache import BeingReplaced

__all__ = ["create_app", "create_workspace_app", "warm_up"]
WEB_DIR = Path(__file__).resolve().parent
SESSION_HOURS = 8
DB_WAIT_SECONDS = 2.0  # how long a request waits for a database a re-run is moving
RETRY_AFTER = "5"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def short_source(label: str) -> str:
    """``/long/path/demo.csv:12`` as ``demo.csv:12`` (the full path is in the manifest)."""
    return label.replace("\\", "/").rsplit("/", 1)[-1]


def _load_user(app: Flask) -> None:
    g.user = None
    name = session.get("user")
    if not name:
        return
    age = app.config["REVIEW_CLOCK"]() - float(session.get("since", 0))
    if age > SESSION_HOURS * 3600 or age < -60:
        session.clear()
        return
    user = app.config["REVIEW_DB"].user(name)
    # A log-out or a password change moved the user's session generation on: the cookie,
    # though validly signed, belongs to an ended session.
    if user is None or session.get("generation") != user.session_generation:
        session.clear()
        return
    g.user = user


def _check_csrf() -> None:
    if request.method != "POST":
        return
    if not csrf_matches(session.get("csrf"), request.form.get("csrf_token")):
        abort(400, description="The form has expired or did not come from this workbench.")


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = new_csrf_token()
    return token


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)  # a page may set a stricter one
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def create_app(
    run_dir: Path,
    db_path: Path,
    host: str = "127.0.0.1",
    *,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Flask:
    """The workbench app over ``run_dir`` with its database at ``db_path``.

    ``clock`` (seconds) times sessions and log-in lock-outs, ``sleep`` the wait for a
    database a re-run is moving; tests pass their own.
    """
    db = _open_db(db_path, run_dir, sleep)
    holder = RunHolder(Path(run_dir))
    holder.view()
    app = _base_app(db, db_path, host, clock)
    app.config["REVIEW_RUN"] = holder
    from cmr_reason.cli.workbench.pages import register_pages

    register_pages(app)
    return app


def create_workspace_app(
    space: Workspace,
    db_path: Path,
    data: AllowedFolders,
    host: str = "127.0.0.1",
    *,
    jobs: RunJobs | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Flask:
    """The workbench over a workspace: its runs, each with its queue, and "New run".

    Runs are read from ``data`` only (the folders the operator allowed); they are started
    in ``jobs`` (a child process each, one at a time).
    """
    db = _open_db(db_path, space.path, sleep)
    app = _base_app(db, db_path, host, clock)
    app.config.update(REVIEW_WORKSPACE=space, REVIEW_DATA=data, REVIEW_JOBS=jobs or RunJobs())

    @app.url_value_preprocessor
    def _run_name(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values is not None and "run" in values:
            g.run_name = values.pop("run")

    @app.url_defaults
    def _add_run_name(endpoint: str, values: dict[str, Any]) -> None:
        if "run" in values or not g.get("run_name"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "run"):
            values["run"] = g.run_name

    from cmr_reason.cli.workbench.pages import register_pages
    from cmr_reason.cli.workbench.workspace_pages import register_workspace_pages

    register_pages(app, prefix="/runs/<run>")
    register_workspace_pages(app)
    return app


def _open_db(db_path: Path, folder: Path, sleep: Callable[[float], None]) -> ReviewDB:
    db = ReviewDB.open_existing(db_path)
    db.verify()  # a log that does not verify is not worked on
    db.wait, db.sleep = DB_WAIT_SECONDS, sleep
    if not db.users():
        raise UserError(
            f"no users in {db_path}; add one with `cmr-reason users add NAME --role supervisor "
            f"{folder}`"
        )
    return db


def _base_app(
    db: ReviewDB,
    db_path: Path,
    host: str,
    clock: Callable[[], float] | None,
) -> Flask:
    """The app with its log-in, sessions, CSRF, headers and error pages, but no run pages."""
    app = Flask(
        "cmr_reason_review",
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
    )
    app.config.update(
        SECRET_KEY=load_secret(secret_path(db_path)),
        SESSION_COOKIE_NAME="cmr_review",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        TRUSTED_HOSTS=sorted({*LOOPBACK_NAMES, host}),
        MAX_CONTENT_LENGTH=64 * 1024,
        REVIEW_DB=db,
        REVIEW_CLOCK=clock or time.time,
        REVIEW_THROTTLE=LoginThrottle(clock=clock or time.monotonic),
    )
    app.jinja_env.autoescape = True
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals["workspace"] = workspace
    app.jinja_env.globals["in_run"] = in_run
    app.jinja_env.filters["basename"] = short_source
    app.before_request(lambda: _load_user(app))
    app.before_request(_check_csrf)
    app.after_request(_headers)
    _login_routes(app, db)
    _error_pages(app)
    return app


def safe_next(app: Flask, target: str | None) -> str:
    """Where to go after log-in: a GET page of this app, as a path alone, else the queue.

    The target must be printable ASCII without spaces or backslashes (browsers drop tabs
    and line ends and read a backslash as ``/``, which turned ``/<TAB>/evil.example`` into
    ``//evil.example``), a path starting with one ``/``, with no scheme or host, and a route
    of the app; its query is dropped.
    """
    fallback = landing()
    if not target or len(target) > 2048:
        return fallback
    if any(not ("!" <= ch <= "~") or ch == "\\" for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return fallback
    if parts.path.startswith("//"):
        return fallback
    try:
        app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:  # no such page, or a redirect of the router
        return fallback
    return parts.path


def _login_routes(app: Flask, db: ReviewDB) -> None:
    throttle: LoginThrottle = app.config["REVIEW_THROTTLE"]

    def refused(text: str, status: int, retry_after: float = 0) -> Any:
        flash(text, "error")
        page = render_template("login.html", next=request.form.get("next", ""))
        headers = {"Retry-After": str(int(retry_after + 0.999))} if retry_after else {}
        return page, status, headers

    @app.get("/login")
    def login() -> Any:
        if current_user() is not None:
            return redirect(landing())
        return render_template("login.html", next=request.args.get("next", ""))

    @app.post("/login")
    def login_post() -> Any:
        name = request.form.get("name", "").strip()[:64]
        password = request.form.get("password", "")
        wait = throttle.wait(name)
        if wait:  # no password is checked while the name is locked, not even the right one
            return refused(_locked(wait), 429, wait)
        user = db.user(name) if name else None
        ok = verify_password(password, user.password_hash if user else dummy_hash())
        if user is None or not ok:
            locked = throttle.failed(name)
            if locked:
                return refused(_locked(locked), 429, locked)
            return refused("Wrong user name or password.", 401)
        throttle.succeeded(name)
        session.clear()
        session["user"] = user.name
        session["since"] = app.config["REVIEW_CLOCK"]()
        session["generation"] = user.session_generation
        session["csrf"] = new_csrf_token()
        session.permanent = True
        return redirect(safe_next(app, request.form.get("next")))

    @app.post("/logout")
    def logout() -> Any:
        user = current_user()
        if user is not None:
            db.end_sessions(user.name)  # every copy of this session's cookie stops working
        session.clear()
        flash("Logged out.", "info")
        return redirect(_url_for("login"))

    @app.get("/")
    def home() -> Any:
        return redirect(landing())


def _locked(seconds: float) -> str:
    minutes = int(seconds // 60)
    wait = f"{minutes} minute(s)" if minutes else f"{int(seconds + 0.999)} second(s)"
    return f"Too many failed log-ins for this user name. Try again in {wait}."


def _error_pages(app: Flask) -> None:
    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    def error_page(error: Any) -> Any:
        code = getattr(error, "code", 500)
        text = getattr(error, "description", "")
        if isinstance(error, SecurityError):
            # An untrusted Host header: no page links can be built, answer in plain text.
            return Response("Bad request.\n", status=400, mimetype="text/plain")
        return render_template("error.html", code=code, text=text), code

    @app.errorhandler(UserError)
    def user_error(error: UserError) -> Any:
        return render_template("error.html", code=409, text=str(error)), 409

    @app.errorhandler(BeingReplaced)
    def being_replaced(error: BeingReplaced) -> Any:
        # A re-run is moving the database or the run: nothing is wrong, try again shortly.
        text = "A new run is replacing this one. Try again in a moment."
        return Response(text + "\n", status=503, mimetype="text/plain",
                        headers={"Retry-After": RETRY_AFTER})  # fmt: skip
