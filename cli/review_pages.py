"""The workbench's pages: queue, person, decision form, assignment and export.

The person page shows the history with each conviction's justification tree. Every page
here needs a logged-in user; reassigning and exporting need a supervisor. The
decisions go to the review database; the reasoning sees them at the next
``cmr-reason run --decisions``. The "grant" choice names the relief the statute's rules
reached for the conviction (read from the run's trace, for display); what a grant means is
decided by ``programs/core/review_decisions.lp`` at that run.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, current_app, flash, redirect, render_template, request
from flask import url_for as _url_for

from cmr_reason.cli.review_app import current_holder, current_user, current_view, login_required
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import Conviction, History
from cmr_reason.reasoner.decision import Decision
from cmr_reason.reasoner.decision_facts import (
    PROBLEMS,
    conviction_fingerprint,
    record_fingerprint,
)
from cmr_reason.reasoner.decision_files import export_text
from cmr_reason.reasoner.justification import build_tree, outcome_label
from cmr_reason.reasoner.review_db import GROUNDS, RELIEFS, ReviewDB, StoredDecision
from cmr_reason.reasoner.review_queue import QUEUE_OUTCOMES, QueueFilter, queue_page
from cmr_reason.reasoner.row_store import RowStore
from cmr_reason.reasoner.run_dir import RunDir

ACTION_LABELS = {
    "grant": "Grant the statute's relief (do not challenge)",
    "grant_other": "Grant a different relief",
    "challenge": "Challenge",
    "more_information": "Ask for more information",
}
GROUND_LABELS = {
    "not_eligible_prior_superstrike": "Prior super-strike (PC 667(e)(2)(C)(iv))",
    "not_eligible_pc290": "Prior PC 290(c) offence or registration",
    "not_eligible_two_priors": "Two or more priors of the same section",
    "aggravated": "Aggravated form the Act keeps a felony",
    "not_eligible_post_act": "Offence on or after 9 Nov 2016",
    "public_safety": "Unreasonable risk to public safety (resentencing only, HS 11361.9(c))",
    "other": "Other: does not meet HS 11361.8 (explain in the note)",
}
# The levels a relief can apply to (a form check; the rules flag the rest).
RELIEF_LEVELS = {
    "redesignate_misdemeanor": ("felony",),
    "redesignate_infraction": ("felony", "misdemeanor"),
}


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


def statute_relief(decision: Decision, run: RunDir) -> str:
    """The best-ranked relief among the statute's candidates (what a grant will give)."""
    found = []
    for firing in decision.firings:
        if firing.kind != "outcome" or firing.branch != "presumed":
            continue
        outcome = str(firing.conclusion[2])
        if outcome in RELIEFS:
            rank = run.catalogue.rule(firing.rule_id).rank
            found.append((rank if rank is not None else 10**6, outcome))
    return min(found)[1] if found else ""


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
        history, decisions = run.decisions_of(subject_id)
    trees = {
        c.conviction_id: build_tree(decisions[c.conviction_id], run.catalogue, history)
        for c in history.convictions
        if c.conviction_id in decisions
    }
    db = _db()
    trail: dict[str, list[StoredDecision]] = {}
    for item in db.decisions(subject_id=subject_id):
        trail.setdefault(item.conviction_id, []).append(item)
    applied = applied_ids(run)
    refused = not_applied_ids(run)
    courts = store.courts({str(row["case_id"]) for row in rows})
    convictions = []
    for row in rows:
        cid = row["conviction_id"]
        decided = trail.get(cid, [])
        # Outside the run's county the scope rule decides; a reviewer's decision would not
        # be applied there (programs/core/review_decisions.lp, precedence).
        decidable = row["reason"] != "outside_county" and (
            row["outcome"] in QUEUE_OUTCOMES
            or row["statutory_outcome"] not in ("", "not_applicable")
            or bool(decided)
        )
        convictions.append(
            {
                "row": row,
                "court": courts.get(row["case_id"], ""),
                "tree": trees.get(cid),
                "trail": list(reversed(decided)),
                "latest": decided[-1] if decided else None,
                "applied_id": applied.get(cid),
                "not_applied": refused.get(cid),
                "decidable": decidable,
                "in_queue": row["outcome"] in QUEUE_OUTCOMES or bool(decided),
                "relief": statute_relief(decisions[cid], run) if cid in decisions else "",
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


def _validate(form: dict[str, str], conv: Conviction, relief_now: str) -> str:
    """A one-line problem with the form, or ""."""
    action = form["action"]
    if action not in ACTION_LABELS:
        return "Choose what to decide."
    if action == "grant" and not relief_now:
        return "The statute's rules reached no relief here; grant a different relief instead."
    if action == "grant_other":
        if form["relief"] not in RELIEFS:
            return "Choose the relief to grant."
        levels = RELIEF_LEVELS.get(form["relief"])
        level = conv.level.value if conv.level else ""
        if levels and level not in levels:
            what = level or "conviction of unknown level"
            return f"{outcome_label(form['relief'])} does not fit a {what}."
    if action == "challenge":
        if form["ground"] not in GROUNDS:
            return "Choose the ground of the challenge."
        if form["ground"] == "public_safety" and relief_now != "resentence":
            return "Public safety is a ground only against resentencing (HS 11361.9(c))."
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
            action_labels=ACTION_LABELS,
            ground_labels=GROUND_LABELS,
            reliefs=RELIEFS,
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
        relief_now = statute_relief(decisions[cid], run)
        row = next(r for r in _store().convictions_of(subject_id) if r["conviction_id"] == cid)
        problem = _validate(form, conv, relief_now)
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
