"""The workbench's pages: queue, person, decision form, assignment and export.

The person page shows the history with each conviction's justification tree. Every page
here needs a logged-in user; reassigning and exporting need a supervisor. The
decisions go to the review database; the reasoning sees them at the next
``cmr-reason run --decisions``. What the form offers for a conviction, and what it refuses,
is the programs' verdict (``programs/core/review_decisions.lp``: the relief a grant gives,
the reliefs the conviction can get, the grounds that fit, each refusal with its reason),
read from the conviction's re-decision; the same program applies the decision at that run
and refuses there what the form refuses here.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, current_app, flash, redirect, render_template, request
from flask import url_for as _url_for

from cmr_reason.cli.workbench.context import (
    current_holder,
    current_user,
    current_view,
    login_required,
)
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import Conviction, History
from cmr_reason.reasoner.engine.catalogue import Catalogue
from cmr_reason.reasoner.engine.decision import Decision
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.explain.justification import build_tree, outcome_label
from cmr_reason.reasoner.explain.picture import whole_picture
from cmr_reason.reasoner.explain.remedy import remedy_report
from cmr_reason.reasoner.review.db import ReviewDB
from cmr_reason.reasoner.review.decision_facts import (
    PROBLEMS,
    conviction_fingerprint,
    record_fingerprint,
)
from cmr_reason.reasoner.review.decision_files import export_text
from cmr_reason.reasoner.review.decision_log import StoredDecision
from cmr_reason.reasoner.review.row_store import RowStore
from cmr_reason.reasoner.review.work_queue import QUEUE_OUTCOMES, QueueFilter, queue_page
from cmr_reason.reasoner.run.directory import RunDir


def _db() -> ReviewDB:
    return current_app.config["REVIEW_DB"]


def _run() -> RunDir:
    return current_view().run


def _store() -> RowStore:
    return current_view().store


def applied_ids(run: RunDir) -> dict[str, int]:
    """Conviction id -> the decision id the run applied."""
    entry = run.manifest.get("decisions") or {}
    return {a["conviction_id"]: int(a["decision_id"]) for a in entry.get("applied", [])}


def not_applied_ids(run: RunDir) -> dict[str, tuple[int, str]]:
    """Conviction id -> (decision id, problem in words) for decisions the run did not apply."""
    entry = run.manifest.get("decisions") or {}
    return {
        item["conviction_id"]: (
            int(item["decision_id"]),
            PROBLEMS.get(item["problem"], item["problem"]),
        )
        for item in entry.get("not_applied", [])
    }


def refusals(decision: Decision | None, catalogue: Catalogue) -> dict[tuple[str, str], str]:
    """(relief|ground|action, code) -> why the programs refuse that choice, in words."""
    if decision is None:
        return {}
    return {
        (what, code): catalogue.problems.get(problem, problem.replace("_", " "))
        for what, code, problem in decision.refused
    }


def _filter_from_args() -> QueueFilter:
    args = request.args
    wanted = QueueFilter(
        reason=args.get("reason", ""),
        code_section=args.get("code_section", ""),
        level=args.get("level", ""),
        court=args.get("court", ""),
        county=args.get("county", ""),
        status=args.get("status", "open"),
        assignee=args.get("assignee", ""),
    )
    if wanted.status not in ("open", "decided", "all"):
        wanted.status = "open"
    if wanted.assignee == "me":
        user = current_user()
        wanted.assignee = user.name if user else ""
    return wanted


def _person_view(run: RunDir, subject_id: str) -> dict[str, Any]:
    store = _store()
    person = store.person(subject_id)
    if person is None:
        abort(404, description=f"No person {subject_id} in this run.")
    rows = store.convictions_of(subject_id)
    with current_holder().lock:
        history, solved = run.solved_of(subject_id)
    decisions = solved.decisions
    # The remedies beside Prop 64 the run decided (run --remedy): each conviction's trees.
    remedy_trees: dict[str, list[dict[str, Any]]] = {}
    by_remedy = remedy_report(history, solved, run.catalogue)
    for trees_of_remedy in by_remedy.values():
        for remedy_tree in trees_of_remedy:
            remedy_trees.setdefault(remedy_tree["conviction_id"], []).append(remedy_tree)
    trees = {
        c.conviction_id: build_tree(decisions[c.conviction_id], run.catalogue, history)
        for c in history.convictions
        if c.conviction_id in decisions
    }
    # Several remedies: each conviction's whole picture, every remedy side by side.
    pictures: dict[str, dict[str, Any]] = {}
    if len(by_remedy) >= 2:
        report = {"convictions": list(trees.values()), "remedies": by_remedy}
        pictures = {row["conviction_id"]: row for row in whole_picture(report)}
    db = _db()
    trail: dict[str, list[StoredDecision]] = {}
    for item in db.decisions(subject_id=subject_id):
        trail.setdefault(item.conviction_id, []).append(item)
    applied = applied_ids(run)
    refused = not_applied_ids(run)
    courts = store.courts({str(row["case_id"]) for row in rows})
    convictions = []
    for row in rows:
        # A short row of a damaged convictions.csv lacks values (None): no id matches "".
        cid = row["conviction_id"] or ""
        decided = trail.get(cid, [])
        # Outside the run's county the scope rule decides; a reviewer's decision would not
        # be applied there (programs/core/review_decisions.lp, precedence).
        decidable = row["reason"] != "outside_county" and (
            row["outcome"] in QUEUE_OUTCOMES
            or vocabulary().kinds.get(row["statutory_outcome"] or "", "not_applicable")
            != "not_applicable"
            or bool(decided)
        )
        convictions.append(
            {
                "row": row,
                "court": courts.get(row["case_id"] or "", ""),
                "tree": trees.get(cid),
                "trail": list(reversed(decided)),
                "latest": decided[-1] if decided else None,
                "applied_id": applied.get(cid),
                "not_applied": refused.get(cid),
                "decidable": decidable,
                "in_queue": row["outcome"] in QUEUE_OUTCOMES or bool(decided),
                "relief": decisions[cid].statute_relief if cid in decisions else "",
                "refused": refusals(decisions.get(cid), run.catalogue),
                "remedies": remedy_trees.get(cid, []),
                "picture": pictures.get(cid),
            }
        )
    return {
        "person": person,
        "convictions": convictions,
        "assignee": db.assignments().get(subject_id, ""),
        "assignment_history": db.assignment_history(subject_id),
        "users": [u.name for u in db.users() if u.active],
    }


def _conviction(history: History | None, cid: str) -> Conviction:
    conv = None
    if history is not None:
        conv = next((c for c in history.convictions if c.conviction_id == cid), None)
    if conv is None:
        abort(404, description=f"No conviction {cid} for this person.")
    return conv


def _validate(form: dict[str, str], refused: dict[tuple[str, str], str]) -> str:
    """A one-line problem with the form, or "".

    Whether the choice fits the conviction is the programs' verdict (``refused``, from
    :func:`refusals`); here only that the form was filled in.
    """
    vocab = vocabulary()
    action = form["action"]
    if action not in vocab.actions:
        return "Choose what to decide."
    if action == "grant_other" and form["relief"] not in vocab.reliefs:
        return "Choose the relief to grant."
    if action == "challenge" and form["ground"] not in vocab.grounds:
        return "Choose the ground of the challenge."
    choice = {"grant_other": ("relief", form["relief"]), "challenge": ("ground", form["ground"])}
    why = refused.get(choice.get(action, ("action", action)))
    if why:
        return f"This cannot be applied: {why}."
    if action in ("grant_other", "challenge", "more_information") and not form["note"].strip():
        return "Write a note: it goes into the explanation and the audit trail."
    return ""


def register_pages(app: Flask, prefix: str = "") -> None:
    """Add the workbench's pages to ``app``.

    A run's pages go under ``prefix`` (``/runs/<run>`` in a workspace); the export of the
    whole decision log stays at the top.
    """

    @app.get(prefix + "/queue")
    @login_required()
    def queue() -> Any:
        run = _run()
        db = _db()
        wanted = _filter_from_args()
        try:
            number = int(request.args.get("page", "1"))
        except ValueError:
            number = 1
        store = _store()
        refused = {cid: did for cid, (did, _) in not_applied_ids(run).items()}
        latest = db.latest_decisions()
        page = queue_page(
            store, latest, db.assignments(), applied_ids(run), wanted, number, refused
        )
        people = {sid: store.person(sid) for sid in {item.subject_id for item in page.items}}
        names = {sid: (person or {}).get("name") for sid, person in people.items()}
        query = {k: v for k, v in request.args.items() if k != "page" and v}
        return render_template(
            "queue.html",
            run=run,
            page=page,
            wanted=wanted,
            names=names,
            query=query,
            open_total=page.open_total,
            outcome_label=outcome_label,
        )

    @app.get(prefix + "/person/<subject_id>")
    @login_required()
    def person(subject_id: str) -> Any:
        run = _run()
        view = _person_view(run, subject_id)
        return render_template(
            "person.html",
            run=run,
            outcome_label=outcome_label,
            action_labels=vocabulary().action_labels,
            ground_labels={g: vocabulary().ground_labels[g] for g in vocabulary().grounds},
            reliefs=vocabulary().reliefs,
            **view,
        )

    @app.post(prefix + "/person/<subject_id>/decide")
    @login_required()
    def decide(subject_id: str) -> Any:
        run = _run()
        user = current_user()
        assert user is not None
        form = {k: request.form.get(k, "") for k in ("conviction_id", "action", "relief",
                                                     "ground", "note", "latest_seen")}  # fmt: skip
        cid = form["conviction_id"]
        anchor = _url_for("person", subject_id=subject_id) + f"#c-{cid}"
        with current_holder().lock:
            history, decisions = run.decisions_of(subject_id)
        conv = _conviction(history, cid)
        assert history is not None  # _conviction answered 404 otherwise
        row = next(r for r in _store().convictions_of(subject_id) if r["conviction_id"] == cid)
        problem = _validate(form, refusals(decisions.get(cid), run.catalogue))
        if row["reason"] == "outside_county":
            problem = "This conviction is outside the run's county; its own prosecutor decides it."
        if problem:
            flash(problem, "error")
            return redirect(anchor)
        latest_seen = int(form["latest_seen"]) if form["latest_seen"].isdigit() else None
        try:
            stored = _db().add_decision(
                conviction_id=cid,
                subject_id=subject_id,
                action=form["action"],
                relief=form["relief"] if form["action"] == "grant_other" else "",
                ground=form["ground"] if form["action"] == "challenge" else "",
                note=form["note"],
                reviewer=user.name,
                fingerprint=conviction_fingerprint(conv),
                record_fingerprint=record_fingerprint(history),
                seen_outcome=f"{row['outcome']}/{row['reason']}",
                source=conv.source.label(),
                expected_latest=latest_seen,
                check_latest=True,
            )
        except UserError as exc:
            flash(str(exc), "error")
            return redirect(anchor)
        flash(f"Decision {stored.id} recorded for conviction {cid}.", "info")
        return redirect(anchor)

    @app.post(prefix + "/person/<subject_id>/assign")
    @login_required(role="supervisor")
    def assign(subject_id: str) -> Any:
        user = current_user()
        assert user is not None
        db = _db()
        name = request.form.get("assignee", "")
        if name and db.user(name) is None:
            abort(400, description="No such user.")
        db.assign(subject_id, name or None, user.name)
        flash(f"Assigned to {name}." if name else "Unassigned.", "info")
        return redirect(_url_for("person", subject_id=subject_id))

    @app.get("/export/decisions.<fmt>")
    @login_required(role="supervisor")
    def export(fmt: str) -> Any:
        if fmt not in ("csv", "json"):
            abort(404)
        # The whole log, verified, with the export's signature (JSON); the CSV is for reading
        # (its signature file comes with `cmr-reason decisions export`).
        text, _, _ = export_text(_db(), fmt)
        mime = "text/csv" if fmt == "csv" else "application/json"
        return Response(
            text,
            mimetype=mime,
            headers={"Content-Disposition": f'attachment; filename="decisions.{fmt}"'},
        )
