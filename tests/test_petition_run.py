"""The petition remedies through the whole tool (issue #21): run, figures, explain, workbench.

On a small synthetic file of the petition mix (``synth --mix petitions``), a run with
``--remedy all`` decides every remedy for every conviction and leaves Prop 64's files as a
Prop 64 run writes them, byte for byte; each remedy's rows take only its own outcomes; the
figures count whole records cleared by each remedy and by all together; ``explain --remedy
all`` shows the whole picture, every remedy side by side with the best relief; the
workbench's person page shows it too. The legal cases are in ``tests/cases/<remedy>/``.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.engine.remedies import remedy_vocabulary

AS_OF = "2026-12-01"
PEOPLE = 150
PETITIONS = ("pc1203_4", "pc1203_4a", "pc1203_41", "pc17b", "prop47")
PROP64_FILES = ("convictions.csv", "people.csv", "cases.csv", "rejects.csv")
runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def petitions_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "petitions.csv"
    write_file(path, PEOPLE, seed=21, mix="petitions")
    return path


def _run(source: Path, name: str, *extra: str) -> Path:
    out = source.parent / name  # beside this module's own input, in its own folder
    result = invoke("run", str(source), "--as-of", AS_OF, "--out", str(out), "-q", *extra)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def prop64_run(petitions_csv: Path) -> Path:
    return _run(petitions_csv, "run-prop64")


@pytest.fixture(scope="module")
def all_run(petitions_csv: Path) -> Path:
    return _run(petitions_csv, "run-all", "--remedy", "all")


def test_prop64_files_are_unchanged_by_every_remedy(prop64_run: Path, all_run: Path) -> None:
    for name in PROP64_FILES:
        assert (all_run / name).read_bytes() == (prop64_run / name).read_bytes(), name


def test_every_remedy_decides_every_conviction_with_its_own_outcomes(all_run: Path) -> None:
    convictions = [r["conviction_id"] for r in rows_of(all_run / "convictions.csv")]
    vocab = remedy_vocabulary()
    seen: Counter[str] = Counter()
    for code in PETITIONS:
        rows = rows_of(all_run / "remedies" / f"{code}.csv")
        assert [r["conviction_id"] for r in rows] == convictions, code
        for row in rows:
            assert row["outcome"] in vocab.outcomes_of[code], row
            assert row["explanation"].startswith(vocab.label(row["outcome"])), row
            assert row["rule_ids"].split(";")[0].startswith(f"{code}."), row
            if row["outcome"] == "petition_discretionary":  # the court's judgement, named
                assert row["reviewer_decides"], row
            seen[row["outcome"]] += 1
        dismissed = [r for r in rows if r["outcome"] == "dismiss"]
        if code == "pc1203_4a":
            assert dismissed
            assert all("honest_and_upright_life" in r["reviewer_decides"] for r in dismissed)
    # The petition mix reaches every kind of outcome the petitions have.
    kinds = ("dismiss", "redesignate", "petition_discretionary", "eligible_on", "candidate",
             "blocked_by_record", "not_eligible", "not_applicable")  # fmt: skip
    for outcome in kinds:
        assert seen[outcome], outcome


def test_whole_records_cleared_by_each_remedy_and_together(all_run: Path) -> None:
    figures = json.loads((all_run / "summary.json").read_text())["remedies"]
    clears = figures["whole_record_clears"]
    vocab = remedy_vocabulary()
    clearing = sorted(c.replace("_", ".") for c in vocab.clearing)
    assert set(clears) == {"prop64", "all", "all+discretion", *clearing,
                           *(f"prop64+{c}" for c in clearing)}  # fmt: skip
    assert "pc17b" not in clears and "prop47" not in clears  # they lower, never clear
    alone = [clears["prop64"], *(clears[f"prop64+{c}"] for c in clearing)]
    assert max(alone) <= clears["all"] <= clears["all+discretion"] <= figures["people"]
    # A remedy's own count agrees with its rows: every conviction of the person relief now.
    rows = rows_of(all_run / "remedies" / "pc1203_4a.csv")
    by_person: dict[str, set[str]] = {}
    for row in rows:
        by_person.setdefault(row["subject_id"], set()).add(row["outcome"])
    relief = {o for o, k in vocab.kinds.items() if k == "relief"}
    assert clears["pc1203.4a"] == sum(o <= relief for o in by_person.values())


def test_explain_shows_the_whole_picture(petitions_csv: Path, all_run: Path) -> None:
    rows = rows_of(all_run / "remedies" / "pc1203_4.csv")
    person = next(r["subject_id"] for r in rows if r["outcome"] == "dismiss")
    base = ("explain", person, "-i", str(petitions_csv), "--as-of", AS_OF, "--remedy", "all")
    report = json.loads(invoke(*base, "--format", "json").output)
    picture = report["picture"]
    ranks = remedy_vocabulary().relief_ranks
    assert [r["conviction_id"] for r in picture] == [
        c["conviction_id"] for c in report["convictions"]
    ]
    for row in picture:
        remedies = [e["remedy"] for e in row["remedies"]]
        assert remedies[0] == "prop64" and len(remedies) == 1 + len(report["remedies"])
        ranked = [e for e in row["remedies"] if e["relief_rank"] is not None]
        if ranked:
            best = min(e["relief_rank"] for e in ranked)
            assert ranks[row["best"]["outcome"]] == best
        else:
            assert row["best"] is None
        for entry in ranked:
            assert entry["takes"], entry
    dismissed = [
        row for row in picture
        if any(e["remedy"] == "pc1203.4" and e["outcome"] == "dismiss" for e in row["remedies"])
    ]  # fmt: skip
    assert dismissed and all(ranks[row["best"]["outcome"]] <= ranks["dismiss"] for row in dismissed)
    text = invoke(*base).output
    assert "the whole picture" in text and "best:" in text
    markdown = invoke(*base, "--format", "md").output
    assert "## The whole picture" in markdown and "best relief" in markdown
    one = invoke("explain", person, "-i", str(petitions_csv), "--as-of", AS_OF,
                 "--remedy", "pc1203.4", "--format", "json").output  # fmt: skip
    assert "picture" not in json.loads(one)  # one remedy: its tree, no picture


def test_workbench_person_page_shows_every_remedy(all_run: Path) -> None:
    pytest.importorskip("flask")
    from cli_runs import PASSWORD, add_users

    from cmr_reason.cli.workbench.app import create_app

    add_users(all_run)
    web = create_app(all_run, all_run / "review.sqlite3")
    web.config["TESTING"] = True
    client = web.test_client()
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": token.search(page).group(1), "name": "sue",
                                "password": PASSWORD["sue"]})  # fmt: skip
    rows = rows_of(all_run / "remedies" / "prop47.csv")
    subject = next(r["subject_id"] for r in rows if r["outcome"] == "redesignate")
    person = client.get(f"/person/{subject}").get_data(as_text=True)
    assert 'class="picture"' in person and "Every remedy:" in person
    for code in PETITIONS:
        assert f'data-remedy="{code.replace("_", ".")}"' in person
    assert "o-redesignate" in person


# --- the filing: a motion and order per case (docs/filing.md "Petitions") ------------------


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small petition-mix file run with every remedy, and with Prop 64 alone."""
    folder = tmp_path_factory.mktemp("small")
    source = folder / "small.csv"
    write_file(source, 30, seed=5, mix="petitions")
    runs = []
    for name, extra in (("all", ("--remedy", "all")), ("p64", ())):
        out = folder / name
        result = invoke("run", str(source), "--as-of", AS_OF, "--county", "LOS ANGELES",
                        "--out", str(out), "-q", *extra)  # fmt: skip
        assert result.exit_code == 0, result.output
        runs.append(out)
    return runs[0], runs[1]


def _file(run: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = invoke("file", str(run), "--out", str(out), "--template", "generic", "-q", *extra)
    assert result.exit_code == 0, result.output
    record: dict[str, Any] = json.loads((out / "filing.json").read_text())
    return record


def test_filing_writes_a_motion_and_order_per_case(
    small_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    docx = pytest.importorskip("docx")
    pypdf = pytest.importorskip("pypdf")
    run, p64_run = small_runs
    record = _file(run, tmp_path / "filing")
    petitions = record["counts"]["petitions"]
    # The counts filed for are the remedy rows the programs gave a petition's outcome.
    wanted = Counter()
    for code, outcomes in (("pc1203_4", {"dismiss", "petition_discretionary"}),
                           ("pc1203_4a", {"dismiss", "petition_discretionary"})):  # fmt: skip
        rows = rows_of(run / "remedies" / f"{code}.csv")
        wanted[code] = sum(r["outcome"] in outcomes for r in rows)
    assert petitions["pc1203_4"]["counts"] == wanted["pc1203_4"] > 0
    assert petitions["pc1203_4a"]["counts"] == wanted["pc1203_4a"] > 0
    listed = rows_of(tmp_path / "filing" / "petitions_list.csv")
    assert len(listed) == sum(k["counts"] for k in petitions.values())
    cases = petitions["pc1203_4"]["cases"]
    motions = docx.Document(str(tmp_path / "filing" / "pc1203_4_motions.docx"))
    cells = [c.text for table in motions.tables for row in table.rows for c in row.cells]
    text = "\n".join([*(p.text for p in motions.paragraphs), *cells])
    body = motions.element.body
    assert len(body.findall(".//" + docx.oxml.ns.qn("w:sectPr"))) == cases  # a section a case
    first = next(r for r in listed if r["document"] == "pc1203_4")
    assert first["name"] in text and "MOTION TO SET ASIDE" in text
    assert f"Count {first['count']}: {first['code_section']}" in text
    reader = pypdf.PdfReader(str(tmp_path / "filing" / "pc1203_4_motions.pdf"))
    assert len(reader.pages) >= cases
    assert "Attorneys for Plaintiff" in reader.pages[0].extract_text()
    # Prop 64's documents are the same as a Prop 64 run's filing, byte for byte.
    p64 = _file(p64_run, tmp_path / "p64")
    assert "petitions" not in p64["counts"]
    for name in ("dismissal_motion.pdf", "dismissal_order.docx", "dismissal_exhibit1.csv"):
        if name in p64["files"]:
            assert record["files"][name] == p64["files"][name], name


def test_a_defense_office_files_for_the_defendant(
    small_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    pypdf = pytest.importorskip("pypdf")
    from cmr_reason.reasoner.filing.settings import example_settings_path

    settings = tmp_path / "pd.toml"
    settings.write_text(
        example_settings_path("generic").read_text() + '\n[petitions]\nmovant = "defense"\n'
    )
    _file(small_runs[0], tmp_path / "filing", "--settings", str(settings))
    reader = pypdf.PdfReader(str(tmp_path / "filing" / "pc1203_4a_motions.pdf"))
    first = reader.pages[0].extract_text()
    assert "Attorneys for Defendant" in first and "by counsel" in first
    bad = tmp_path / "bad.toml"
    bad.write_text(
        example_settings_path("generic").read_text() + '\n[petitions]\nmovant = "court"\n'
    )
    result = invoke("file", str(small_runs[0]), "--out", str(tmp_path / "x"), "--settings",
                    str(bad), "-q")  # fmt: skip
    assert result.exit_code == 2 and "petitions.movant" in result.output
