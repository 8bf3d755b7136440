"""What a request of the workbench is about: the logged-in user, the workspace, the run.

Read by the app (:mod:`cmr_reason.cli.workbench.app`) and by its pages, which register on it
(:mod:`~cmr_reason.cli.workbench.pages`, :mod:`~cmr_reason.cli.workbench.workspace_pages`);
with :func:`login_required`, the decorator of every page that needs a user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, g, redirect, request
from flask import url_for as _url_for

from cmr_reason.cli.workbench.run_holder import RunHolder, RunView
from cmr_reason.cli.workbench.workspace import Workspace
from cmr_reason.reasoner.review.db import User

ViewFunc = Callable[..., Any]


def current_user() -> User | None:
    """The logged-in user of this request, if any."""
    return g.get("user")


def workspace() -> Workspace | None:
    """The workspace this app serves (None when it serves one run)."""
    return current_app.config.get("REVIEW_WORKSPACE")


def current_holder() -> RunHolder:
    """The holder of the run this request is about (in a workspace, named in the URL)."""
    space = workspace()
    if space is None:
        return current_app.config["REVIEW_RUN"]
    name = g.get("run_name") or ""
    try:
        return space.holder(name)
    except LookupError:
        abort(404, description=f"No run {name} in this workspace.")


def current_view() -> RunView:
    """The run this request answers from (the same one for the whole request)."""
    view = g.get("run_view")
    if view is None:
        view = g.run_view = current_holder().view()
    return view


def in_run() -> bool:
    """True when this page belongs to one run (the queue and person pages have a run)."""
    return workspace() is None or bool(g.get("run_name"))


def landing() -> str:
    """The first page after log-in: the queue of the one run, or the workspace's runs."""
    return _url_for("queue") if workspace() is None else _url_for("runs")


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
