"""Our decisions beside Code for America's gogen, conviction by conviction.

    .venv/bin/python tests/bench/compare_gogen.py DOJ_FILE [--as-of DATE] [--policy TOML]
        [--gogen BINARY] [--county NAME] [--work DIR] [--examples N] [--workers N] [--reuse]
        [--engine gogen|pilots]

Runs cmr-reason (``run DOJ_FILE --policy TOML``) and gogen (``gogen run``) on the same DOJ
file, as of the same date, joins their per-conviction results and prints a table of
agreements and of every kind of disagreement, with counts and example conviction ids. Not a
test: it needs gogen, which is not a dependency (``docs/gogen-comparison.md``).

Settings. The direction is ours to gogen's: gogen's options file is written from the
parameters of our ``configurable`` policy file (``--policy``, a TOML file whose policy is
``configurable``; default: BEAR's defaults,
``programs/policies/examples/bear_defaults.toml``), section by section (``dismiss`` to gogen's
``dismiss`` list, ``redesignate`` to its ``reduce`` list) and toggle by toggle
(``under_21``, ``age_threshold``, ``years_since_conviction``, ``years_crime_free``,
``only_cannabis_record``, ``deceased``). Our ``misdemeanors`` and ``serving`` parameters have
no gogen option: gogen dismisses every misdemeanor and infraction and does not look at the
sentence (the script says so when they are set otherwise than ``dismiss``). gogen decides
one county a run: with ``--county`` (or a county in the policy file) gogen runs for that
county and ours with the policy's ``county`` set to it; without, gogen runs once for every
county value (as written, blanks included) of a conviction it could decide, and ours for every
county. The binary defaults to ``$GOGEN`` or ``/tmp/gogen-work/bin/gogen-fixedclock``; with
the fixed-clock build ``GOGEN_NOW`` is set to the as-of date, so both tools decide as of the
same day.

Join. A conviction is a subject's count: ``SUBJECT_ID:CNT_ORDER`` is our ``conviction_id``,
and gogen writes its decision on the first row of a count whose ``DISP_DESCR`` begins with
``CONVICTED`` (its ``Prop64_Results.csv`` repeats that row). Every conviction on either side
is accounted for: one only we decide is gogen's ``not applicable`` (with the reason read from
its input rules: no ``CONVICTED`` row, no 11357-11360 in the charge text, another county); one
only gogen decides is ours ``absent`` (with the reason: the subject's rows rejected by our
reader, or a count we do not read as a conviction).

Common outcomes: ``dismiss`` (our dismiss_and_seal; gogen "Eligible for Dismissal"),
``reduce`` (our redesignate_misdemeanor, redesignate_infraction, resentence; gogen "Eligible
for Reduction"), ``not eligible`` (our not_eligible and no_relief; gogen "Not eligible"),
``review`` (ours; gogen "Maybe Eligible - Flag for Review", "Hand Review"), ``not
applicable`` (ours; gogen: no decision written), and gogen's ``undecided`` (a decision row
with an empty determination). The table compares our policy's decision (``outcome``) and,
second, the statute's alone (``statutory_outcome``) with gogen's.

Los Angeles (``--engine pilots``). Code for America's LA engine, ``gogen_pilots`` (0.2.5,
branch ``los_angeles``), beside our ``los-angeles-2020`` policy (``--policy`` is then that
name, the default, or a TOML file naming it). gogen_pilots has no options file and no county
option: it always decides LOS ANGELES, with ``--individual-age`` (our ``age_threshold``) and
``--years-conviction-free`` (our ``lookback_years``) as its only settings; the script lists
the parameters of ours it cannot follow. Its decisions are the rows of
``DOJ_Input_File_1_Results/doj_results_convictions_1.csv`` (one a Prop 64 conviction, same
two columns); "To be reviewed by City Attorneys" (every misdemeanor and infraction) is
``review``. The binary defaults to ``$GOGEN_PILOTS`` or
``/tmp/gogen-work2/bin/gogen_pilots-fixedclock``.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cmr_reason.reasoner.engine.policy_catalogue import read_policy_spec
from cmr_reason.reasoner.engine.program_set import load_program_set

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = ROOT / "programs" / "policies" / "examples" / "bear_defaults.toml"
DEFAULT_GOGEN = "/tmp/gogen-work/bin/gogen-fixedclock"
DEFAULT_PILOTS = "/tmp/gogen-work2/bin/gogen_pilots-fixedclock"
LA_POLICY = "los-angeles-2020"
LA_COUNTY = "LOS ANGELES"  # gogen_pilots decides this county only
PILOTS_RESULTS = Path("DOJ_Input_File_1_Results") / "doj_results_convictions_1.csv"
# Our LA parameters and the value gogen_pilots' flow always uses (a different value is listed).
PILOTS_FIXED = {
    "lookback_counts": "any",
    "under_21": "yes",
    "deceased": "yes",
    "misdemeanors": "city_attorney_review",
    "completed_probation_scope": "every_sentence",
    "serving": "review",
    "unmatched_felony": "review",
    "predecessors": "review",
}
SECTIONS = ("11357", "11358", "11359", "11360")
# gogen's reading of a DOJ row, restated (not its code): the charge is OFFENSE_DESCR up to
# the first '-', or COMMENT_TEXT's when OFFENSE_DESCR is blank or "SEE COMMENT FOR CHARGE";
# a Prop 64 charge is one whose text contains 11357, 11358, 11359 or 11360 anywhere.
GOGEN_PROP64 = re.compile(r"11357|11358|11359|11360")
WIDTH = 95  # gogen reads exactly 95 fields a row (RECORD_ID ... END_OF_REC)

OURS_COMMON = {
    "dismiss_and_seal": "dismiss",
    "redesignate_misdemeanor": "reduce",
    "redesignate_infraction": "reduce",
    "resentence": "reduce",
    "not_eligible": "not eligible",
    "no_relief": "not eligible",
    "review": "review",
    "not_applicable": "not applicable",
}
GOGEN_COMMON = {
    "Eligible for Dismissal": "dismiss",
    "Eligible for Reduction": "reduce",
    "Not eligible": "not eligible",
    "Maybe Eligible - Flag for Review": "review",
    "Hand Review": "review",
    "To be reviewed by City Attorneys": "review",
    "": "undecided",
}


@dataclass
class GogenView:
    """What gogen's input rules make of one count: its first convicted row."""

    line: int
    charge: str
    county: str
    prop64: bool


@dataclass
class Side:
    """One tool's decision on a conviction: common outcome, the tool's own words."""

    common: str
    detail: str


@dataclass
class Tally:
    """The joined convictions of one comparison, by kind."""

    kinds: dict[tuple[str, str, str, str], list[str]] = field(
        default_factory=lambda: collections.defaultdict(list)
    )


def policy_values(policy: str, base: str) -> dict[str, object]:
    """Every parameter of policy ``base`` as ``policy`` (its name, or a TOML file tuning it)
    sets it: the policy's own defaults (``default_param/2``), under the file's values."""
    given: dict = {}
    if policy != base:
        spec = tomllib.loads(Path(policy).read_text(encoding="utf-8"))
        if spec.get("policy", "configurable") != base:
            raise SystemExit(f"{policy}: this comparison reads a `{base}` policy file")
        given = spec.get("params", {})
    values: dict[str, object] = {}
    for name, param in read_policy_spec(load_program_set(base).policy_file).params.items():
        if param.kind == "table":
            table = dict(d.split(" = ") for d in param.defaults)
            values[name] = table | dict(given.get(name, {}))
            continue
        value = given.get(name, param.defaults[0])
        if param.kind == "integer":
            value = int(value)
        elif param.kind == "yes/no":
            value = "yes" if value in (True, "yes") else "no"
        values[name] = "" if value == "''" else value
    return values


def gogen_options(policy: Path) -> tuple[dict, str, list[str]]:
    """gogen's options from our configurable policy file, its county, and what has no match."""
    p = policy_values(str(policy), "configurable")
    sections = p["section_outcome"]
    assert isinstance(sections, dict)
    options = {
        "baselineEligibility": {
            "dismiss": [s for s in SECTIONS if sections[s] == "dismiss"],
            "reduce": [s for s in SECTIONS if sections[s] == "redesignate"],
        },
        "additionalRelief": {
            "subjectUnder21AtConviction": p["under_21"] == "yes",
            "subjectAgeThreshold": p["age_threshold"],
            "yearsSinceConvictionThreshold": p["years_since_conviction"],
            "yearsCrimeFreeThreshold": p["years_crime_free"],
            "subjectIsDeceased": p["deceased"] == "yes",
            "subjectHasOnlyProp64Charges": p["only_cannabis_record"] == "yes",
        },
    }
    unmatched = [
        f"{name} = {p[name]} (gogen: always {want})"
        for name, want in (("misdemeanors", "dismiss"), ("serving", "statute"))
        if p[name] != want
    ]
    return options, str(p["county"]), unmatched


def pilots_options(policy: str) -> tuple[list[str], list[str]]:
    """gogen_pilots' flags from our LA policy (a name or TOML file), and what has no match."""
    ours = policy_values(policy, LA_POLICY)
    if ours["county"] != LA_COUNTY:
        raise SystemExit(f"gogen_pilots decides {LA_COUNTY} only, not {ours['county']!r}")
    flags = ["--individual-age", str(ours["age_threshold"]),
             "--years-conviction-free", str(ours["lookback_years"])]  # fmt: skip
    if "0" in flags:
        raise SystemExit("gogen_pilots reads 0 as its default (50 years, 10 years)")
    unmatched = [
        f"{name} = {ours[name]} (gogen_pilots: as {want})"
        for name, want in PILOTS_FIXED.items()
        if ours[name] != want
    ]
    return flags, unmatched


def run_pilots(binary: str, data: Path, as_of: str, flags: list[str], out: Path) -> None:
    """gogen_pilots' LA flow, its outputs in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GOGEN_NOW=as_of)
    cmd = [binary, "run", "--input-doj", str(data), "--compute-at", as_of, "--outputs",
           str(out), *flags]  # fmt: skip
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    errors = [e.read_text(encoding="utf-8") for e in out.glob("*.err")]
    if done.returncode or any(e.strip() for e in errors):
        raise SystemExit(f"gogen_pilots failed ({done.returncode}): {errors} "
                         f"{done.stderr.decode(errors='replace')[-500:]}")  # fmt: skip


def gogen_view(path: Path) -> tuple[dict[str, GogenView], int]:
    """Every count gogen reads as a conviction, by ``SUBJECT_ID:CNT_ORDER``, and the rows."""
    counts: dict[str, GogenView] = {}
    rows = 0
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[0] != "RECORD_ID":
            raise SystemExit(f"{path}: no header row")
        ix = {name: i for i, name in enumerate(header)}
        for row in reader:
            rows += 1
            if len(row) != WIDTH or not row[ix["DISP_DESCR"]].startswith("CONVICTED"):
                continue
            key = f"{row[ix['SUBJECT_ID']]}:{row[ix['CNT_ORDER']]}"
            if key in counts:
                continue
            offence = row[ix["OFFENSE_DESCR"]]
            text = (
                offence
                if offence.strip() not in ("", "SEE COMMENT FOR CHARGE")
                else (row[ix["COMMENT_TEXT"]])
            )
            charge = text.split("-")[0]
            counts[key] = GogenView(reader.line_num, charge, row[ix["STP_ORI_CNTY_NAME"]],
                                    bool(GOGEN_PROP64.search(charge)))  # fmt: skip
    return counts, rows


def run_gogen(binary: str, data: Path, county: str, as_of: str, options: Path, out: Path) -> None:
    """gogen for one county, its outputs in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GOGEN_NOW=as_of)
    cmd = [binary, "run", "--input-doj", str(data), "--county", county, "--compute-at", as_of,
           "--eligibility-options", str(options), "--outputs", str(out)]  # fmt: skip
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    errors = [e.read_text(encoding="utf-8") for e in out.glob("*.err")]
    if done.returncode or any(e.strip() for e in errors):
        raise SystemExit(f"gogen failed ({done.returncode}) for {county!r}: {errors} "
                         f"{done.stderr.decode(errors='replace')[-500:]}")  # fmt: skip


def run_ours(data: Path, as_of: str, policy: Path, county: str, out: Path, workers: int) -> None:
    """cmr-reason on the file; with a county, a copy of the policy file scoped to it."""
    if county and policy.is_file():
        spec = tomllib.loads(policy.read_text(encoding="utf-8"))
        if spec.get("params", {}).get("county", "") != county:
            text = policy.read_text(encoding="utf-8")
            text = re.sub(r"(?m)^county\s*=.*$", "", text).replace(
                "[params]", f"[params]\ncounty = {json.dumps(county)}", 1
            )
            policy = out.parent / "policy-county.toml"
            policy.write_text(text, encoding="utf-8")
    tool = Path(sys.executable).with_name("cmr-reason")
    cmd = [str(tool), "run", str(data), "--as-of", as_of, "--policy", str(policy), "--out",
           str(out), "--force", "-q", "--accept-rejects", "--workers", str(workers)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 5):
        raise SystemExit(f"cmr-reason failed ({done.returncode}): {done.stderr[-800:]}")


def read_ours(out: Path) -> tuple[dict[str, dict[str, str]], set[str]]:
    """Our convictions by id, and the subjects with a rejected line."""
    with (out / "convictions.csv").open(newline="", encoding="utf-8") as f:
        ours = {r["conviction_id"]: r for r in csv.DictReader(f)}
    with (out / "rejects.csv").open(newline="", encoding="utf-8") as f:
        rejected = {s for r in csv.DictReader(f) for s in r["subject_id"].split(";") if s}
    return ours, rejected


def gogen_absent_reason(view: GogenView | None, counties: set[str] | None) -> str:
    """Why gogen wrote no decision for one of our convictions, from its input rules."""
    if view is None:
        return "gogen: no row of the count is CONVICTED in its reading (95 fields, prefix)"
    if not view.prop64:
        return "gogen: no 11357-11360 in the charge text"
    if counties is not None and view.county not in counties:
        return f"gogen: county {view.county!r} not run"
    return "gogen: no decision written"


def compare(
    ours: dict[str, dict[str, str]],
    rejected: set[str],
    decided: dict[str, tuple[str, str]],
    views: dict[str, GogenView],
    counties: set[str] | None,
    column: str,
) -> Tally:
    """Join both sides on the conviction id; ``column`` is ``outcome`` or ``statutory_outcome``."""
    reason_col = "reason" if column == "outcome" else "statutory_reason"
    tally = Tally()
    for cid in sorted(set(ours) | set(decided)):
        mine = ours.get(cid)
        if mine is None:
            subject = cid.split(":")[0]
            why = (
                "ours: the subject's rows were rejected"
                if subject in rejected
                else ("ours: not read as a conviction")
            )
            left = Side("absent", why)
        else:
            left = Side(OURS_COMMON[mine[column]], f"{mine[column]}:{mine[reason_col]}")
        if cid in decided:
            det, why = decided[cid]
            right = Side(GOGEN_COMMON.get(det, f"unknown {det!r}"), why or "-")
        else:
            right = Side("not applicable", gogen_absent_reason(views.get(cid), counties))
        tally.kinds[(left.common, right.common, left.detail, right.detail)].append(cid)
    return tally


def print_table(title: str, tally: Tally, examples: int) -> None:
    """The outcome matrix, then each kind of agreement and disagreement with examples."""
    print(f"\n## {title}\n")
    matrix: collections.Counter[tuple[str, str]] = collections.Counter()
    for (a, b, _x, _y), ids in tally.kinds.items():
        matrix[(a, b)] += len(ids)
    total = sum(matrix.values())
    agree = sum(n for (a, b), n in matrix.items() if a == b)
    print(f"{total} convictions joined; {agree} agree ({100 * agree / max(total, 1):.1f} %), "
          f"{total - agree} disagree.\n")  # fmt: skip
    print("| ours | gogen | convictions |")
    print("|---|---|---:|")
    for (a, b), n in sorted(matrix.items(), key=lambda kv: (kv[0][0] != kv[0][1], -kv[1])):
        print(f"| {a} | {b} | {n} |")
    print("\n| ours | gogen | our outcome:reason | gogen's reason | convictions | examples |")
    print("|---|---|---|---|---:|---|")
    rows = sorted(tally.kinds.items(), key=lambda kv: (kv[0][0] == kv[0][1], -len(kv[1]), kv[0]))
    for (a, b, x, y), ids in rows:
        mark = "" if a == b else "**"
        shown = ", ".join(f"`{i}`" for i in ids[:examples])
        print(f"| {mark}{a}{mark} | {mark}{b}{mark} | {x} | {y} | {len(ids)} | {shown} |")


def main(argv: list[str] | None = None) -> int:
    """Run both tools, join and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("doj", type=Path)
    ap.add_argument("--as-of", default="2020-07-01")
    ap.add_argument("--engine", choices=("gogen", "pilots"), default="gogen")
    ap.add_argument("--policy", type=Path, default=None)
    ap.add_argument("--gogen", default=None)
    ap.add_argument("--county", default="")
    ap.add_argument("--work", type=Path, default=Path("/tmp/compare-gogen"))
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="reuse both tools' outputs in --work")
    args = ap.parse_args(argv)
    if args.engine == "pilots":
        return main_pilots(args)
    args.policy = args.policy or DEFAULT_POLICY
    args.gogen = args.gogen or os.environ.get("GOGEN", DEFAULT_GOGEN)

    options, policy_county, unmatched = gogen_options(args.policy)
    county = args.county or policy_county
    for note in unmatched:
        print(f"note: no gogen option for {note}", file=sys.stderr)
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "options.json").write_text(json.dumps(options, indent=2), encoding="utf-8")
    views, rows = gogen_view(args.doj)
    counties = [county] if county else sorted({v.county for v in views.values() if v.prop64})
    ours_dir = args.work / "ours"
    if not (args.reuse and (ours_dir / "convictions.csv").exists()):
        run_ours(args.doj, args.as_of, args.policy, county, ours_dir, args.workers)
    decided: dict[str, tuple[str, str]] = {}
    for i, name in enumerate(counties):
        out = args.work / f"gogen-{i:02d}"
        if not (args.reuse and (out / "Prop64_Results.csv").exists()):
            run_gogen(args.gogen, args.doj, name, args.as_of, args.work / "options.json", out)
        decided |= read_decided(out)
    ours, rejected = read_ours(ours_dir)
    manifest = json.loads((ours_dir / "manifest.json").read_text(encoding="utf-8"))
    print(f"# cmr-reason beside gogen: {args.doj.name}, as of {args.as_of}\n")
    print(f"- input: {rows} rows; convictions: ours {len(ours)}, gogen decided {len(decided)}")
    print(f"- ours: policy {manifest['policy']['name']} ({args.policy.name}); "
          f"gogen: {args.gogen}, options {json.dumps(options)}")  # fmt: skip
    print(f"- gogen counties run: {len(counties)} ({', '.join(repr(c) for c in counties)})")
    if unmatched:
        print(f"- no gogen option for: {'; '.join(unmatched)}")
    scope = set(counties)
    for title, column in (
        ("Our policy's decision beside gogen's", "outcome"),
        ("The statute's decision alone beside gogen's", "statutory_outcome"),
    ):
        tally = compare(ours, rejected, decided, views, scope, column)
        print_table(title, tally, args.examples)  # fmt: skip
    return 0


def main_pilots(args: argparse.Namespace) -> int:
    """gogen_pilots' LA flow beside our ``los-angeles-2020``: run, join, print."""
    policy = str(args.policy or LA_POLICY)
    binary = args.gogen or os.environ.get("GOGEN_PILOTS", DEFAULT_PILOTS)
    flags, unmatched = pilots_options(policy)
    for note in unmatched:
        print(f"note: no gogen_pilots option for {note}", file=sys.stderr)
    args.work.mkdir(parents=True, exist_ok=True)
    views, rows = gogen_view(args.doj)
    ours_dir, out = args.work / "ours", args.work / "pilots"
    if not (args.reuse and (ours_dir / "convictions.csv").exists()):
        run_ours(args.doj, args.as_of, Path(policy), "", ours_dir, args.workers)
    if not (args.reuse and (out / PILOTS_RESULTS).exists()):
        run_pilots(binary, args.doj, args.as_of, flags, out)
    decided = read_decided(out, PILOTS_RESULTS)
    ours, rejected = read_ours(ours_dir)
    manifest = json.loads((ours_dir / "manifest.json").read_text(encoding="utf-8"))
    print(f"# cmr-reason beside gogen_pilots (LA): {args.doj.name}, as of {args.as_of}\n")
    print(f"- input: {rows} rows; convictions: ours {len(ours)}, gogen_pilots decided "
          f"{len(decided)}")  # fmt: skip
    print(f"- ours: policy {manifest['policy']['name']} ({policy}); "
          f"gogen_pilots: {binary} {' '.join(flags)}")  # fmt: skip
    if unmatched:
        print(f"- no gogen_pilots option for: {'; '.join(unmatched)}")
    for title, column in (
        ("Our policy's decision beside gogen_pilots'", "outcome"),
        ("The statute's decision alone beside gogen_pilots'", "statutory_outcome"),
    ):
        tally = compare(ours, rejected, decided, views, {LA_COUNTY}, column)
        print_table(title, tally, args.examples)
    return 0


def read_decided(out: Path, name: Path = Path("Prop64_Results.csv")) -> dict[str, tuple[str, str]]:
    """gogen's decisions in ``out``: ``SUBJECT_ID:CNT_ORDER`` to (determination, reason)."""
    decided = {}
    with (out / name).open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        sid, cnt = header.index("SUBJECT_ID"), header.index("CNT_ORDER")
        det, why = header.index("Eligibility Determination"), header.index("Eligibility Reason")
        for row in reader:
            decided[f"{row[sid]}:{row[cnt]}"] = (row[det], row[why])
    return decided


if __name__ == "__main__":
    sys.exit(main())
