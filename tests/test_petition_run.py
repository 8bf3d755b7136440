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
    out = source.parent.parent / name
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
            seen[row["outcome"]] += 1
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
