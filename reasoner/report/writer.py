"""Write the impact report: one self-contained HTML file from a run directory.

No network: styles are inline, charts are inline SVG, there is no script and no web font.
The same run and options give the same bytes (the only date is the run's as-of date).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.private_files import write_private, written_whole
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.report import sections
from cmr_reason.reasoner.report.compare import check_comparable, comparison_section, labels
from cmr_reason.reasoner.report.figures import Part, Row, Section, Suppression, Table
from cmr_reason.reasoner.report.remedies import remedies_shown, remedy_sections
from cmr_reason.reasoner.report.suppression.complementary import hidden_counts
from cmr_reason.reasoner.report.suppression.groups import page_figures
from cmr_reason.reasoner.report.svg_charts import render
from cmr_reason.reasoner.run.directory import RunDir

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class ReportOptions:
    """What to put in the report besides the run itself."""

    suppress_below: int = 0
    compare: RunDir | None = None
    force: bool = False
    warnings: list[str] = field(default_factory=list)
    # The remedies beside Prop 64 to show (user names); None: every one the run decided.
    remedies: tuple[str, ...] | None = None


def reason_phrases(run: RunDir) -> dict[str, str]:
    """Reason phrases from the run's rule catalogue (the bundled one if the rules changed)."""
    try:
        return dict(run.catalogue.reasons)
    except UserError:
        return dict(load_catalogue(load_program_set("statute")).reasons)


def run_facts(run: RunDir, sup: Suppression) -> tuple[list[tuple[str, str]], Table]:
    """What produced the run: as-of date, policy, county, rules hash, version, inputs."""
    m, r = run.manifest, run.summary.get("run", {})
    policy = m.get("policy", {})
    params = policy.get("parameters") or []
    facts = [
        ("As-of date", r.get("as_of") or m.get("as_of", "")),
        ("Policy", f"{policy.get('name', r.get('policy', ''))} ({policy.get('file', '')})"),
        ("Policy parameters", "; ".join(map(str, params)) if params else "none"),
        ("County", r.get("county") or m.get("county") or "all counties"),
        ("Rules SHA-256", m.get("rules_sha256", "")),
        ("Tool version", f"{m.get('tool', 'cmr-reason')} {m.get('tool_version', '')}"),
        ("Small-cell suppression", f"counts below {sup.below} hidden, and the counts that would "
         "give one away" if sup.active else "off"),
    ]  # fmt: skip
    inputs = Table(
        "Input files",
        ("File", "SHA-256", "Rows"),
        tuple(
            Row(
                Path(e["path"]).name,
                (sup.count(e.get("rows", 0), ("input_file", str(i))),),
                (e["sha256"],),
            )
            for i, e in enumerate(m.get("inputs", []))
        ),
    )
    return facts, inputs


def _sections(run: RunDir, sup: Suppression, s: dict[str, Any]) -> list[Section]:
    return [
        sections.outcome_section(s, sup),
        sections.level_section(s, sup),
        sections.people_section(s, sup),
        sections.group_section(s, sup),
        sections.decade_section(s, sup),
        sections.section_section(s, sup),
        sections.reason_section(s, sup, reason_phrases(run)),
        *remedy_sections(s, sup),  # only a run with a remedy beside Prop 64
        sections.input_section(s, sup),
    ]


def _with_svg(section: Section, counter: list[int]) -> dict[str, Any]:
    """A section for the template, each chart rendered to SVG with a unique id."""
    parts = []
    for part in section.parts:
        svg = ""
        if part.chart is not None:
            counter[0] += 1
            svg = render(part.chart, f"chart{counter[0]}")
        parts.append({"svg": svg, "part": part})
    return {"section": section, "parts": parts}


def suppression(run: RunDir, options: ReportOptions) -> Suppression:
    """What the report hides: small counts, and the counts that would give one away."""
    if options.suppress_below <= 1:
        return Suppression(options.suppress_below)
    rows = [e.get("rows", 0) for e in run.manifest.get("inputs", [])]
    other = options.compare.summary if options.compare is not None else None
    page = page_figures(remedies_shown(run.summary, options.remedies), rows, other)
    return Suppression(options.suppress_below, hidden_counts(page, options.suppress_below))


def context(run: RunDir, options: ReportOptions) -> dict[str, Any]:
    """Everything the template shows."""
    sup = suppression(run, options)
    body = _sections(run, sup, remedies_shown(run.summary, options.remedies))
    if options.compare is not None:
        other = options.compare
        names = labels(run, other)
        body.insert(0, comparison_section(run.summary, other.summary, names, sup, options.warnings))
    counter = [0]
    rendered = [_with_svg(section, counter) for section in body]
    facts, inputs = run_facts(run, sup)
    facts_section = Section("run", "Run facts", (), (Part(None, (inputs,)),))
    r = run.summary.get("run", {})
    return {
        "as_of": r.get("as_of") or run.manifest.get("as_of", ""),
        "policy": r.get("policy") or run.manifest.get("policy", {}).get("name", ""),
        "county": (r.get("county") or "").title() or "all counties",
        "suppression": sup,
        "headlines": sections.headlines(run.summary, sup),
        "share_line": sections.share_line(run.summary, sup),
        "sections": rendered,
        "facts": facts,
        "facts_section": _with_svg(facts_section, counter),
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_report(run: RunDir, options: ReportOptions) -> str:
    """The report's HTML text."""
    return _environment().get_template("report.html.j2").render(**context(run, options))


def write_report(run: RunDir, out: Path, options: ReportOptions) -> Path:
    """Write the report to ``out`` (owner-readable only), atomically."""
    if options.compare is not None:
        options.warnings = check_comparable(run, options.compare, options.force)
    if options.suppress_below < 0:
        raise UserError("--suppress-below must be 0 or more")
    html = render_report(run, options)
    out = out.resolve()
    if out.is_dir():
        raise UserError(f"--out is a directory: {out}; give a file name such as report.html")
    if not out.parent.is_dir():
        raise UserError(f"the folder for --out does not exist: {out.parent}")
    with written_whole(out) as temp:
        write_private(temp, html)
    return out
