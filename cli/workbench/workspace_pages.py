"""The workspace's pages: its runs, "New run", the progress of a run, results, report, filing.

A supervisor chooses a DOJ file inside the folders the operator allowed
(:mod:`cmr_reason.cli.workbench.paths`), the county, the policy and its options (a form built
from the policy's program, :mod:`cmr_reason.cli.workbench.policy_form`) and the as-of date; the
run, and later the impact report and the filing, are done one at a time in a child process
(:mod:`cmr_reason.cli.workbench.jobs`) while a progress page polls their state. Reviewers see
the runs, their results and reports, and work each run's queue; starting work and
downloading the filing (every person's name in one file) are for supervisors, like the
export of the decisions.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
)
from flask import url_for as _url_for

from cmr_reason.cli.workbench.context import current_user, login_required, workspace
from cmr_reason.cli.workbench.jobs import (
    FilingRequest,
    Job,
    ReportRequest,
    RunJobs,
    RunRequest,
    warning_text,
)
from cmr_reason.cli.workbench.paths import SUFFIXES, AllowedFolders
from cmr_reason.cli.workbench.policy_form import (
    PolicyForm,
    changed_params,
    policy_forms,
    write_params,
)
from cmr_reason.cli.workbench.workspace import RUN_NAME, Workspace, check_run_name
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.engine.remedies import (
    PROP64,
    manifest_remedies,
    remedy_names,
    remedy_vocabulary,
)
from cmr_reason.reasoner.filing.settings import EXAMPLE_NAME, TEMPLATES_DIR
from cmr_reason.reasoner.run.remedy_output import remedy_headline

#: The report is a file of its own (inline styles and pictures, no script): it gets its own
#: policy, sandboxed, instead of the workbench's.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
)
FILING_TYPES = {
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".json": "application/json",
}


def headline(figures: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """The run's headline figures (label, value, indented), as ``run`` prints them."""
    people, convs, rows = figures["people"], figures["convictions"], figures["input"]
    return [
        ("People", people["total"], False),
        ("People with a cannabis conviction", people["with_cannabis_conviction"], False),
        ("People relieved", people["relieved"], False),
        ("left with no felony", people["relieved_no_felony_after"], True),
        ("left with no conviction", people["relieved_no_conviction_after"], True),
        ("Convictions", convs["total"], False),
        ("Cannabis-related convictions", convs["cannabis_related"], False),
        ("Dismissed and sealed", convs["dismissed"], False),
        ("Redesignated", convs["redesignated"], False),
        ("Resentenced", convs["resentenced"], False),
        ("Needs review", convs["review"], False),
        ("Not eligible", convs["not_eligible"], False),
        ("Input rows", rows["rows_in"], False),
        ("used", rows["rows_used"], True),
        ("irrelevant", rows["rows_irrelevant"], True),
        ("rejected (rejects.csv)", rows["rows_rejected"], True),
        *remedy_headline(figures),  # a run with a remedy beside Prop 64 (run --remedy)
    ]


def _space() -> Workspace:
    space = workspace()
    assert space is not None
    return space


def _jobs() -> RunJobs:
    return current_app.config["REVIEW_JOBS"]


def _data() -> AllowedFolders:
    return current_app.config["REVIEW_DATA"]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _run_info(name: str) -> dict[str, Any]:
    """What the runs list and the results page show of run ``name``."""
    folder = _space().run_path(name)
    manifest = _read_json(folder / "manifest.json")
    summary = _read_json(folder / "summary.json")
    policy = manifest.get("policy") or {}
    return {
        "name": name,
        "manifest": manifest,
        "summary": summary,
        "as_of": manifest.get("as_of", ""),
        "policy": policy.get("name", ""),
        "parameters": policy.get("parameters", []),
        "county": manifest.get("county", ""),
        "inputs": [Path(str(i.get("path", ""))).name for i in manifest.get("inputs", [])],
        "input_paths": [str(i.get("path", "")) for i in manifest.get("inputs", [])],
        "people": (summary.get("people") or {}).get("total", ""),
        "relieved": (summary.get("people") or {}).get("relieved", ""),
        "warnings": [warning_text(w) for w in manifest.get("warnings", [])],
        "decisions": manifest.get("decisions") or {},
        # The remedies beside Prop 64 the run decided (run --remedy), by name.
        "remedies": remedy_names(manifest_remedies(manifest)),
    }


def _current_run() -> str:
    name = g.get("run_name") or ""
    if not _space().is_run(name):
        abort(404, description=f"No run {name} in this workspace.")
    return name


def _done_url(job: Job) -> str:
    anchor = {"report": "#report", "filing": "#filing"}.get(job.task.kind, "")
    return _url_for("results", run=job.name) + anchor


def _templates() -> list[str]:
    """County templates that ship example settings."""
    return sorted(p.parent.name for p in TEMPLATES_DIR.glob(f"*/{EXAMPLE_NAME}"))


def _filing_files(name: str) -> list[str]:
    """The files of run ``name``'s filing, as its ``filing.json`` lists them."""
    folder = _space().filing_path(name)
    files = _read_json(folder / "filing.json").get("files") or {}
    listed = [f for f in files if isinstance(f, str) and (folder / f).is_file()]
    return sorted([*listed, "filing.json"]) if listed else []


def _form_values(forms: list[PolicyForm]) -> dict[str, str]:
    """The New run form's values: the request's, or the defaults."""
    values = {f.key: f.default for form in forms for f in form.fields}
    values.update(
        {"policy": "statute", "workers": "1", "county": "", "as_of": "", "repair_excel": ""}
    )
    if request.method == "POST":
        values.update({k: v for k, v in request.form.items() if k != "csrf_token"})
    else:
        chosen = request.args.get("input", "")
        values["input"] = chosen
        stem = Path(chosen).stem if chosen else ""
        values["name"] = _free_name("".join(c if RUN_NAME.match("a" + c) else "-" for c in stem))
    return values


def _remedy_choices() -> list[Any]:
    """The remedies a run may decide beside Prop 64 (``cmr-reason remedies``)."""
    return [r for r in remedy_vocabulary().remedies if r.code != PROP64]


def _free_name(stem: str) -> str:
    """A run name not taken yet, from ``stem`` (``demo``, ``demo-2``, ...)."""
    stem = stem.strip("-._")[:56] or "run"
    space = _space()
    name, number = stem, 1
    while (space.runs_dir / name).exists():
        number += 1
        name = f"{stem}-{number}"
    return name


def _start_run(forms: list[PolicyForm]) -> Job:
    """Check the New run form and start the run; every problem is a one-line UserError."""
    space, data, form = _space(), _data(), request.form
    busy = _jobs().active()
    if busy is not None:
        raise UserError(f"the {busy.task.kind} of {busy.name} is in progress; one at a time")
    source = data.check(form.get("input", ""), "input")
    name = check_run_name(form.get("name", ""))
    if space.run_path(name).exists():
        raise UserError(f"a run named {name} exists already; choose another name")
    try:
        as_of = dt.date.fromisoformat(form.get("as_of", "").strip())
    except ValueError:
        raise UserError("give the as-of date (YYYY-MM-DD): it decides ages, completed "
                        "sentences and look-back windows") from None  # fmt: skip
    chosen = next((f for f in forms if f.spec.name == form.get("policy")), None)
    if chosen is None:
        raise UserError("choose a policy")
    params = changed_params(chosen, form)
    try:
        workers = int(form.get("workers", "1"))
    except ValueError:
        workers = 0
    if not 1 <= workers <= (os.cpu_count() or 1):
        raise UserError(f"worker processes: from 1 to {os.cpu_count() or 1}")
    policy = chosen.spec.name
    if params:
        policy = str(write_params(space.params_path(name, policy), policy, params))
    county = form.get("county", "").strip().upper() or None
    remedies = tuple(r.code for r in _remedy_choices() if form.get(f"remedy_{r.code}") == "on")
    user = current_user()
    assert user is not None
    return _jobs().start(
        name,
        user.name,
        RunRequest(inputs=(source,), policy=policy, as_of=as_of, out_dir=space.run_path(name),
                   county=county, workers=workers,
                   repair_excel=form.get("repair_excel") == "on", remedies=remedies),
    )  # fmt: skip


def register_workspace_pages(app: Flask) -> None:
    """Add the workspace's pages to ``app``."""

    @app.get("/runs")
    @login_required()
    def runs() -> Any:
        infos = [_run_info(name) for name in _space().run_names()]
        return render_template(
            "runs.html", runs=infos, active=_jobs().active(), recent=_jobs().recent()[:5]
        )

    @app.route("/runs/new", methods=["GET", "POST"])
    @login_required(role="supervisor")
    def new_run() -> Any:
        forms = policy_forms()
        if request.method == "POST":
            try:
                job = _start_run(forms)
            except UserError as exc:
                flash(str(exc), "error")
            else:
                return redirect(_url_for("job", job_id=job.id))
        return render_template(
            "new_run.html",
            forms=forms,
            values=_form_values(forms),
            counties=sorted({f.county for f in forms if f.county}),
            cpus=os.cpu_count() or 1,
            active=_jobs().active(),
            roots=_data().roots,
            remedies=_remedy_choices(),
        )

    @app.get("/browse")
    @login_required(role="supervisor")
    def browse() -> Any:
        kind = request.args.get("kind", "input")
        if kind not in SUFFIXES:
            abort(404)
        for_run = request.args.get("for_run", "")
        if kind == "settings" and not _space().is_run(for_run):
            abort(404, description="Choose settings from a run's results page.")
        data = _data()
        folder = request.args.get("dir", "")
        listing = None
        if folder:
            try:
                listing = data.listing(folder, kind)
            except UserError as exc:
                flash(str(exc), "error")
        return render_template("browse.html", kind=kind, suffixes=SUFFIXES[kind],
                               listing=listing, roots=data.roots, for_run=for_run)  # fmt: skip

    @app.get("/jobs/<int:job_id>")
    @login_required()
    def job(job_id: int) -> Any:
        found = _jobs().get(job_id)
        if found is None:
            abort(404, description="No such run in progress (the server may have restarted).")
        return render_template("job.html", job=found, done_url=_done_url(found))

    @app.get("/jobs/<int:job_id>/status")
    @login_required()
    def job_status(job_id: int) -> Any:
        found = _jobs().get(job_id)
        if found is None:
            abort(404)
        return jsonify({**found.status(), "done_url": _done_url(found)})

    @app.post("/jobs/<int:job_id>/cancel")
    @login_required(role="supervisor")
    def job_cancel(job_id: int) -> Any:
        if _jobs().cancel(job_id):
            flash("Stopping: the half-made result is removed.", "info")
        return redirect(_url_for("job", job_id=job_id))

    @app.get("/runs/<run>/")
    @login_required()
    def results() -> Any:
        name = _current_run()
        space = _space()
        info = _run_info(name)
        return render_template(
            "results.html",
            info=info,
            lines=headline(info["summary"]) if info["summary"] else [],
            report_ready=space.report_path(name).is_file(),
            filing=_filing_files(name),
            filing_info=_read_json(space.filing_path(name) / "filing.json"),
            templates=_templates(),
            settings=request.args.get("settings", ""),
            active=_jobs().active(),
        )

    @app.post("/runs/<run>/report")
    @login_required(role="supervisor")
    def make_report() -> Any:
        name = _current_run()
        space = _space()
        try:
            below = int(request.form.get("suppress_below", "0") or 0)
            if below < 0:
                raise ValueError
        except ValueError:
            flash("Hide counts below: a whole number, 0 for none.", "error")
            return redirect(_url_for("results") + "#report")
        return _start(name, ReportRequest(space.run_path(name), space.report_path(name), below))

    @app.get("/runs/<run>/report.html")
    @login_required()
    def report_view() -> Any:
        path = _space().report_path(_current_run())
        if not path.is_file():
            abort(404, description="No impact report yet: make one on the run's page.")
        response = send_file(path, mimetype="text/html", max_age=0)
        response.headers["Content-Security-Policy"] = REPORT_CSP
        return response

    @app.post("/runs/<run>/filing")
    @login_required(role="supervisor")
    def make_filing() -> Any:
        name = _current_run()
        space = _space()
        try:
            if request.form.get("settings_from") == "file":
                settings = _data().check(request.form.get("settings", ""), "settings")
            else:
                template = request.form.get("template", "")
                if template not in _templates():
                    raise UserError("choose the template whose example settings to use")
                settings = TEMPLATES_DIR / template / EXAMPLE_NAME
        except UserError as exc:
            flash(str(exc), "error")
            return redirect(_url_for("results") + "#filing")
        return _start(name, FilingRequest(space.run_path(name), space.filing_path(name), settings))

    @app.get("/runs/<run>/filing/<filename>")
    @login_required(role="supervisor")
    def filing_file(filename: str) -> Any:
        name = _current_run()
        if filename not in _filing_files(name):  # only what filing.json lists, by name
            abort(404)
        path = _space().filing_path(name) / filename
        mime = FILING_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return send_file(path, mimetype=mime, as_attachment=True, download_name=filename)


def _start(name: str, task: ReportRequest | FilingRequest) -> Response | Any:
    user = current_user()
    assert user is not None
    try:
        job = _jobs().start(name, user.name, task)
    except UserError as exc:
        flash(str(exc), "error")
        return redirect(_url_for("results"))
    return redirect(_url_for("job", job_id=job.id))
