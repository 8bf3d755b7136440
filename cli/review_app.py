"""The reviewers' workbench: a local Flask app over a finished run and its review database.

This module builds the app and its safety: log-in with hashed passwords, sessions in signed
cookies (the secret beside the database), a CSRF token on every POST, two roles, security
headers (a strict Content-Security-Policy, no framing, no caching of pages with personal
data) and a check of the Host header against the loopback names, so that another site
cannot reach the app by pointing a name at 127.0.0.1. The pages are in
:mod:`cmr_reason.cli.review_pages`. Nothing is fetched from outside: CSS and JS are local.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, flash, g, redirect, render_template, request, session
from flask import url_for as _url_for
from werkzeug.exceptions import SecurityError

from cmr_reason.cli.review_auth import (
    csrf_matches,
    dummy_hash,
    load_secret,
    new_csrf_token,
    verify_password,
)
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.review_db import ReviewDB, User, secret_path
from cmr_reason.reasoner.row_store import RowStore, open_store
from cmr_reason.reasoner.run_dir import RunDir, open_run

WEB_DIR = Path(__file__).resolve().parent / "review_web"
SESSION_HOURS = 8
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
ViewFunc = Callable[..., Any]


@dataclass
class RunHolder:
    """The run the app shows, reopened when the run directory is replaced by a new run."""

    path: Path
    _run: RunDir | None = None
    _store: RowStore | None = None
    _stamp: tuple[int, int] = (0, 0)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def _manifest_stamp(self) -> tuple[int, int] | None:
        try:
            stat = (self.path / "manifest.json").stat()
        except OSError:  # a new run is replacing the directory right now
            return None
        return stat.st_ino, stat.st_mtime_ns

    def current(self) -> RunDir:
        """The run, reopened (its row store and input index checked) if its manifest changed."""
        with self.lock:
            stamp = self._manifest_stamp()
            if self._run is None or (stamp is not None and stamp != self._stamp):
                run = open_run(self.path)
                self._run, self._store = run, warm_up(run)
                self._stamp = stamp or (0, 0)
            return self._run

    def store(self) -> RowStore:
        """The current run's output rows on disk."""
        with self.lock:
            self.current()
            assert self._store is not None
            return self._store


def warm_up(run: RunDir) -> RowStore:
    """Load what every page needs, so errors show at start and pages stay quick.

    Neither the input nor the output rows are held: a DOJ input is indexed on disk
    (:meth:`RunDir.index_input`) and the output files are copied into a row store
    (:mod:`cmr_reason.reasoner.row_store`), both built at the first start, so each page reads
    one person's rows, and the queue page is worked out in SQLite.
    """
    _ = run.programs, run.catalogue, run.decision_facts
    store = open_store(run.path)
    run.index_input()
    return store


def short_source(label: str) -> str:
    """``/long/path/demo.csv:12`` as ``demo.csv:12`` (the full path is in the manifest)."""
    return label.replace("\\", "/").rsplit("/", 1)[-1]


def current_user() -> User | None:
    """The logged-in user of this request, if any."""
    return g.get("user")


def login_required(role: str | None = None) -> Callable[[ViewFunc], ViewFunc]:
    """Decorator: the view needs a logged-in user (and ``role``, when given)."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(_url_for("login", next=request.path))
            if role is not None and user.role != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _load_user(app: Flask) -> None:
    g.user = None
    name = session.get("user")
    started = session.get("since", 0)
    if not name:
        return
    age = dt.datetime.now(dt.UTC).timestamp() - float(started)
    if age > SESSION_HOURS * 3600 or age < -60:
        session.clear()
        return
    user = app.config["REVIEW_DB"].user(name)
    if user is None:
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
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def create_app(run_dir: Path, db_path: Path, host: str = "127.0.0.1") -> Flask:
    """The workbench app over ``run_dir`` with its database at ``db_path``."""
    db = ReviewDB.open_existing(db_path)
    if not db.users():
        raise UserError(
            f"no users in {db_path}; add one with `cmr-reason users add NAME --role supervisor "
            f"{run_dir}`"
        )
    holder = RunHolder(Path(run_dir))
    holder.current()
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
        REVIEW_RUN=holder,
    )
    app.jinja_env.autoescape = True
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.filters["basename"] = short_source
    app.before_request(lambda: _load_user(app))
    app.before_request(_check_csrf)
    app.after_request(_headers)
    _login_routes(app, db)
    from cmr_reason.cli.review_pages import register_pages

    register_pages(app)
    return app


def _safe_next(target: str | None) -> str:
    """Only a local path may follow log-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return _url_for("queue")


def _login_routes(app: Flask, db: ReviewDB) -> None:
    @app.get("/login")
    def login() -> Any:
        if current_user() is not None:
            return redirect(_url_for("queue"))
        return render_template("login.html", next=request.args.get("next", ""))

    @app.post("/login")
    def login_post() -> Any:
        name = request.form.get("name", "").strip()
        password = request.form.get("password", "")
        user = db.user(name) if name else None
        ok = verify_password(password, user.password_hash if user else dummy_hash())
        if user is None or not ok:
            flash("Wrong user name or password.", "error")
            return render_template("login.html", next=request.form.get("next", "")), 401
        session.clear()
        session["user"] = user.name
        session["since"] = dt.datetime.now(dt.UTC).timestamp()
        session["csrf"] = new_csrf_token()
        session.permanent = True
        return redirect(_safe_next(request.form.get("next")))

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        flash("Logged out.", "info")
        return redirect(_url_for("login"))

    @app.get("/")
    def home() -> Any:
        return redirect(_url_for("queue"))

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
