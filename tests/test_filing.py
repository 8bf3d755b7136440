"""The court filing (issue 7): files read back with python-docx, openpyxl and pypdf, and
compared with the run they came from."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import signal
import stat
from collections import Counter
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
from docx import Document
from pypdf import PdfReader
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.filing import rows as filing_rows
from cmr_reason.reasoner.filing.counts import redesignation_counts
from cmr_reason.reasoner.filing.pleading_markup import parse
from cmr_reason.reasoner.filing.rows import gather_rows
from cmr_reason.reasoner.filing.settings import load_settings
from cmr_reason.reasoner.filing.template import join_and, plural
from cmr_reason.reasoner.run.directory import open_run

DOCUMENTS = ("dismissal_motion", "dismissal_order", "redesignation_motion", "redesignation_order")
TABLES = ("dismissal_exhibit1", "redesignation_exhibit1", "sealing_list", "challenge_list",
          "review_list", "resentence_list")  # fmt: skip
CITY_ATTORNEY = "Hermosa Beach City Prosecutor"


def invoke(*args: str):
    return CliRunner().invoke(app, [*args])


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("input") / "demo.csv"
    shutil.copy(demo_path(), source)
    return source


@pytest.fixture(scope="module")
def la_run(demo_csv: Path) -> Path:
    out = demo_csv.parent.parent / "run-la"
    result = invoke("run", str(demo_csv), "--as-of", "2020-07-01", "--county", "LOS ANGELES",
                    "--out", str(out), "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def filing(la_run: Path) -> tuple[Path, str]:
    out = la_run.parent / "filing"
    result = invoke("file", str(la_run), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, result.output


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text(encoding="utf-8"))


def docx_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    parts += [p.text for p in document.sections[0].header.paragraphs]
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def pleading_body(path: Path) -> str:
    """The words of a pleading PDF without line numbers, banner and footers."""
    parts: list[str] = []

    def visit(text: str, cm, tm, font, size) -> None:
        if text.strip() and tm[4] >= 70 and 40 < tm[5] < 745:
            parts.append(text)

    for page in PdfReader(str(path)).pages:
        page.extract_text(visitor_text=visit)
    return " ".join(parts)


def squash(text: str) -> str:
    return " ".join(text.split())


def test_files_are_private_and_complete(filing: tuple[Path, str]) -> None:
    out, _ = filing
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    expected = {f"{d}.{ext}" for d in DOCUMENTS for ext in ("docx", "pdf")}
    expected |= {f"{t}.{ext}" for t in TABLES for ext in ("csv", "xlsx", "pdf")}
    expected.add("filing.json")
    assert {p.name for p in out.iterdir()} == expected
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_terminal_shows_counts_not_names(filing: tuple[Path, str], la_run: Path) -> None:
    _, output = filing
    assert "Convictions to dismiss and seal" in output
    people = read_csv(la_run / "people.csv")
    for person in people:
        assert person["name"] not in output
        assert person["birth_date"] not in output


def test_exhibit_rows_are_the_runs_dismissals(filing: tuple[Path, str], la_run: Path) -> None:
    out, _ = filing
    rows = read_csv(out / "dismissal_exhibit1.csv")
    run_rows = [r for r in read_csv(la_run / "convictions.csv")
                if r["outcome"] == "dismiss_and_seal"]  # fmt: skip
    assert {r["conviction_id"] for r in rows} == {r["conviction_id"] for r in run_rows}
    figures = summary(la_run)["convictions"]
    assert len(rows) == figures["dismissed"]
    levels = Counter(r["level"] for r in rows)
    assert levels["felony"] == figures["dismissed_felonies"]
    assert levels["misdemeanor"] == figures["dismissed_misdemeanors"]
    assert levels["infraction"] == figures["dismissed_infractions"]
    keys = [(r["name"].casefold(), r["date_of_birth"], r["case_numbers"]) for r in rows]
    assert keys == sorted(keys)
    assert [r["row"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    sealable = {c["case_id"]: c["sealable"] for c in read_csv(la_run / "cases.csv")}
    by_id = {r["conviction_id"]: r for r in run_rows}
    for row in rows:
        assert row["name"] and row["date_of_birth"] and row["cii"] and row["case_numbers"]
        assert row["relief_requested"] == "Dismiss and seal"
        assert row["prosecuting_agency"]  # "District Attorney" unless the policy names one
        assert row["case_sealed"] == sealable[by_id[row["conviction_id"]]["case_id"]]
        assert row["code_section"] == by_id[row["conviction_id"]]["code_section"]


def test_other_lists_match_summary(filing: tuple[Path, str], la_run: Path) -> None:
    out, _ = filing
    figures = summary(la_run)
    redesignated = read_csv(out / "redesignation_exhibit1.csv")
    assert len(redesignated) == figures["convictions"]["redesignated"]
    relief = Counter(r["relief_requested"] for r in redesignated)
    misdemeanor, infraction = "Redesignate as a misdemeanor", "Redesignate as an infraction"
    assert relief[misdemeanor] == figures["by_outcome"]["redesignate_misdemeanor"]
    assert relief[infraction] == figures["by_outcome"]["redesignate_infraction"]
    challenges = read_csv(out / "challenge_list.csv")
    assert len(challenges) == figures["convictions"]["not_eligible"]
    assert all(r["ground"] and r["citation"].startswith(("HS", "PC")) for r in challenges)
    reviews = read_csv(out / "review_list.csv")
    assert len(reviews) == figures["convictions"]["review"]
    resentence = read_csv(out / "resentence_list.csv")
    assert len(resentence) == figures["convictions"]["resentenced"]
    assert all(r["citation"].startswith("HS 11361.8(a)") for r in resentence)
    assert all(r["ground"] for r in reviews)


def test_sealing_list(filing: tuple[Path, str], la_run: Path) -> None:
    out, _ = filing
    sealing = read_csv(out / "sealing_list.csv")
    exhibit = read_csv(out / "dismissal_exhibit1.csv")
    cases = {c["case_id"]: c for c in read_csv(la_run / "cases.csv")}
    exhibit_cases = {cid.rsplit(":", 1)[0] + ":" + cid.rsplit(":", 1)[1][:6]
                     for cid in (r["conviction_id"] for r in exhibit)}  # fmt: skip
    assert {r["case_id"] for r in sealing} == exhibit_cases
    for row in sealing:
        assert row["case_sealed"] == cases[row["case_id"]]["sealable"]
        assert bool(row["remaining_convictions"]) == (row["case_sealed"] == "no")
    counts = json.loads((out / "filing.json").read_text())["counts"]["dismissal"]
    assert counts["sealable_cases"] == sum(r["case_sealed"] == "yes" for r in sealing)
    assert counts["unsealable_cases"] == sum(r["case_sealed"] == "no" for r in sealing)


def _as_csv_text(cell) -> str:
    """An XLSX cell's value written as the CSV writes it."""
    if cell.value is None:
        return ""
    if isinstance(cell.value, dt.datetime):
        assert cell.number_format == "yyyy-mm-dd"
        return cell.value.date().isoformat()
    return str(cell.value)


def test_xlsx_reads_back_like_csv(filing: tuple[Path, str]) -> None:
    out, _ = filing
    for name in TABLES:
        rows = read_csv(out / f"{name}.csv")
        sheet = openpyxl.load_workbook(out / f"{name}.xlsx").active
        values = list(sheet.iter_rows())
        assert values[0][0].value == "No."
        assert len(values) == len(rows) + 1, name
        for row, cells in zip(rows, values[1:], strict=True):
            assert [_as_csv_text(c) for c in cells] == list(row.values())
        assert sheet.print_title_rows == "$1:$1"


def test_xlsx_cells_are_dates_and_numbers(filing: tuple[Path, str]) -> None:
    """A clerk sorts by date and count: real date and number cells, a frozen and filtered
    header row, and columns wide enough to read."""
    out, _ = filing
    for name in ("dismissal_exhibit1", "sealing_list", "challenge_list"):
        sheet = openpyxl.load_workbook(out / f"{name}.xlsx").active
        header = [c.value for c in sheet[1]]
        first = {h: c for h, c in zip(header, sheet[2], strict=True)}
        assert isinstance(first["No."].value, int) and first["No."].value == 1
        assert isinstance(first["Date of birth"].value, dt.datetime), name
        assert first["Date of birth"].number_format == "yyyy-mm-dd"
        assert first["Date of birth"].is_date
        assert isinstance(first["Disposition date"].value, dt.datetime), name
        if "Count" in first:
            assert isinstance(first["Count"].value, int), name
        else:
            assert isinstance(first["Convictions"].value, int)
            assert isinstance(first["Dismissed"].value, int)
        assert isinstance(first["CII"].value, str)  # an identifier, not a number
        assert sheet.freeze_panes == "B2"
        last = openpyxl.utils.get_column_letter(len(header))
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"
        widths = {k: d.width for k, d in sheet.column_dimensions.items()}
        assert len(widths) == len(header)
        assert all(6 <= w <= 60 for w in widths.values()), widths
        assert widths["B"] >= max(len(c.value) for c in sheet["B"][1:])  # names fit
        assert all(c.font.b for c in sheet[1])


def test_motion_text_states_the_exhibit_counts(filing: tuple[Path, str], la_run: Path) -> None:
    out, _ = filing
    figures = summary(la_run)["convictions"]
    counts = json.loads((out / "filing.json").read_text())["counts"]["dismissal"]
    phrase = (f"{figures['dismissed']} cannabis convictions of {counts['people']} persons in "
              f"{counts['cases']} court cases: {figures['dismissed_felonies']} felonies, "
              f"{figures['dismissed_misdemeanors']} misdemeanors and "
              f"{figures['dismissed_infractions']} infractions")  # fmt: skip
    sealed = f"{counts['sealable_cases']} of the {counts['cases']} cases"
    pdf = pleading_body(out / "dismissal_motion.pdf")
    for text in (docx_text(out / "dismissal_motion.docx"), pdf):
        flat = squash(text)
        assert phrase in flat
        assert sealed in flat
        assert "SUPERIOR COURT OF THE STATE OF CALIFORNIA" in flat
        assert "DEFENDANTS IN EXHIBIT 1" in flat
        assert "Penal Code section 13300 et seq." in flat
        assert CITY_ATTORNEY in flat
        assert "SBN 000000" in flat
    assert "NOT FOR FILING" in docx_text(out / "dismissal_motion.docx")
    assert "NOT FOR FILING" in pdf_text(out / "dismissal_motion.pdf")
    order = squash(pleading_body(out / "dismissal_order.pdf"))
    assert f"The {figures['dismissed']} convictions listed in Exhibit 1 are dismissed" in order
    assert "4. " in order and "5. " not in order


def test_redesignation_motion_counts(filing: tuple[Path, str], la_run: Path) -> None:
    out, _ = filing
    outcomes = summary(la_run)["by_outcome"]
    flat = squash(pleading_body(out / "redesignation_motion.pdf"))
    assert f"redesignate {outcomes['redesignate_misdemeanor']} felony convictions as" in flat
    assert f"{outcomes['redesignate_infraction']} convictions as infractions" in flat
    assert "11361.8, subdivision (f)" in flat


def test_filing_counts_by_code_not_label(la_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relabelling an outcome changes Exhibit 1's wording, never the motion's counts."""
    run = open_run(la_run)
    county = run.county or "LOS ANGELES"
    before = redesignation_counts(gather_rows(run, county))
    assert before["to_misdemeanor"] and before["to_infraction"]
    labels = vocabulary().labels
    monkeypatch.setitem(labels, "redesignate_misdemeanor", "Reduce (misdemeanor)")
    monkeypatch.setitem(labels, "redesignate_infraction", "Reduce to the lowest level")
    rows = gather_rows(run, county)
    assert {r["relief_requested"] for r in rows.redesignation.rows} == {
        "Reduce (misdemeanor)", "Reduce to the lowest level"}  # fmt: skip
    assert redesignation_counts(rows) == before


def test_exhibit_pdf_is_paginated_with_every_row(filing: tuple[Path, str]) -> None:
    out, _ = filing
    rows = read_csv(out / "dismissal_exhibit1.csv")
    reader = PdfReader(str(out / "dismissal_exhibit1.pdf"))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Date of birth" in text  # headers repeat on every page
        assert "EXHIBIT 1" in text
    flat = "\n".join(pages)
    for row in rows:
        assert row["cii"] in flat


def test_first_pdf_page_renders_not_blank(filing: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = filing
    for name in ("dismissal_motion", "dismissal_exhibit1"):
        document = pypdfium2.PdfDocument(str(out / f"{name}.pdf"))
        image = document[0].render(scale=1).to_pil().convert("L")
        png = tmp_path / f"{name}.png"
        image.save(png)
        assert png.stat().st_size > 1000
        histogram = image.histogram()
        dark = sum(histogram[:128])
        assert dark > 0.005 * image.width * image.height, name
        document.close()


def test_same_run_gives_same_files(filing: tuple[Path, str], la_run: Path) -> None:
    out, _ = filing
    again = la_run.parent / "filing-again"
    result = invoke("file", str(la_run), "--out", str(again), "-q")
    assert result.exit_code == 0, result.output
    for name in TABLES:
        assert (out / f"{name}.csv").read_bytes() == (again / f"{name}.csv").read_bytes()
    for name in DOCUMENTS:
        assert docx_text(out / f"{name}.docx") == docx_text(again / f"{name}.docx")
        assert pdf_text(out / f"{name}.pdf") == pdf_text(again / f"{name}.pdf")
    # The libraries allow more: every file is byte-identical.
    for path in out.iterdir():
        assert path.read_bytes() == (again / path.name).read_bytes(), path.name


def test_existing_output_needs_force(filing: tuple[Path, str], la_run: Path) -> None:
    out, _ = filing
    result = invoke("file", str(la_run), "--out", str(out))
    assert result.exit_code == 2
    assert "--force" in result.output


def test_generic_template(la_run: Path) -> None:
    out = la_run.parent / "filing-generic"
    result = invoke("file", str(la_run), "--out", str(out), "--template", "generic", "-q")
    assert result.exit_code == 0, result.output
    order = squash(pleading_body(out / "dismissal_order.pdf"))
    assert "5. The clerk shall report each dismissal" in order
    motion = squash(docx_text(out / "dismissal_motion.docx"))
    assert "NOTICE OF MOTION AND MOTION TO DISMISS AND SEAL" in motion


def test_county_template_falls_back_to_generic(la_run: Path, tmp_path: Path) -> None:
    folder = tmp_path / "my_county"
    folder.mkdir()
    (folder / "template.toml").write_text('description = "test"\n', encoding="utf-8")
    (folder / "dismissal_order.j2").write_text(
        '{% extends "_pleading.j2" %}\n{% block title %}**MY ORDER**{% endblock %}\n'
        "{% block body %}\n#. Dismissed: {{ counts.convictions | number }}.\n{% endblock %}\n"
        "{% block footer %}MY ORDER{% endblock %}\n",
        encoding="utf-8",
    )
    out = tmp_path / "filing"
    result = invoke("file", str(la_run), "--out", str(out), "--template", str(folder), "-q")
    assert result.exit_code == 0, result.output
    rows = len(read_csv(out / "dismissal_exhibit1.csv"))
    assert f"1. Dismissed: {rows}." in squash(pdf_text(out / "dismissal_order.pdf"))
    motion = squash(pdf_text(out / "dismissal_motion.pdf"))
    assert "NOTICE OF MOTION AND MOTION TO DISMISS" in motion


def test_unscoped_run_files_one_county(demo_csv: Path) -> None:
    run = demo_csv.parent.parent / "run-all"
    result = invoke("run", str(demo_csv), "--as-of", "2020-07-01", "--out", str(run), "-q")
    assert result.exit_code == 0, result.output
    out = demo_csv.parent.parent / "filing-all"
    result = invoke("file", str(run), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "not limited to LOS ANGELES" in squash(result.output)
    record = json.loads((out / "filing.json").read_text())
    assert record["counts_checked_against"] == "convictions.csv"
    assert record["other_county_convictions_left_out"] > 0
    la_rows = [r for r in read_csv(run / "convictions.csv")
               if r["county"] == "LOS ANGELES" and r["outcome"] == "dismiss_and_seal"]  # fmt: skip
    assert len(read_csv(out / "dismissal_exhibit1.csv")) == len(la_rows)


def test_run_and_court_county_must_agree(la_run: Path, tmp_path: Path) -> None:
    settings = tmp_path / "office.toml"
    settings.write_text(
        '[office]\nname = "X"\nprosecutor = "Y"\nbar_number = "000000"\naddress = ["Z"]\n'
        '[court]\ncounty = "Orange"\n[defenders]\npublic_defender = "the PD"\n',
        encoding="utf-8",
    )
    result = invoke("file", str(la_run), "--out", str(tmp_path / "f"), "--settings", str(settings))
    assert result.exit_code == 2
    assert "ORANGE" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[office\n", "not valid TOML"),
        ('colour = "red"\n[office]\nname = "X"\nprosecutor = "Y"\nbar_number = "0"\n'
         'address = ["Z"]\n[court]\ncounty = "A"\n[defenders]\npublic_defender = "P"\n',
         "colour: unknown key; valid keys here: template, example, office"),
        ('[office]\nname = "X"\nprosecutor = "Y"\nbar_number = "0"\naddress = []\n'
         '[court]\ncounty = "A"\n[defenders]\npublic_defender = "P"\n',
         "office.address"),
    ],
)  # fmt: skip
def test_settings_errors_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message) as caught:
        load_settings(path)
    assert "\n" not in str(caught.value)


def test_settings_errors_are_listed_all_at_once(tmp_path: Path) -> None:
    """Three wrong keys in three sections: all three named, each with the valid keys (#19)."""
    path = tmp_path / "office.toml"
    path.write_text(
        'colour = "red"\n[office]\nname = "X"\nprosecutor = "Y"\nbar_number = "0"\n'
        'address = ["Z"]\nfax = "1"\n[court]\ncounty = "A"\njudje = "B"\n'
        '[defenders]\npublic_defender = "P"\n',
        encoding="utf-8",
    )
    with pytest.raises(UserError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "3 problems" in message
    assert "colour: unknown key; valid keys here: template, example, office, court" in message
    assert "office.fax: unknown key; valid keys here: name, prosecutor" in message
    assert "court.judje: unknown key; valid keys here: county, department, judge" in message


def test_missing_settings_are_listed_all_at_once(tmp_path: Path) -> None:
    path = tmp_path / "office.toml"
    path.write_text('[office]\nname = "X"\n', encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_settings(path)
    message = str(caught.value)
    for key in ("office.prosecutor", "office.bar_number", "office.address", "court", "defenders"):
        assert f"{key}: missing (required)" in message


def test_bundled_example_settings_are_valid() -> None:
    from cmr_reason.reasoner.filing.settings import TEMPLATES_DIR

    for path in sorted(TEMPLATES_DIR.glob("*/office.example.toml")):
        settings = load_settings(path)
        assert settings.example
        assert set(settings.office.bar_number) <= {"0"}


def test_markup_blocks_and_numbering() -> None:
    doc = parse(
        "@court\nCOURT\n@case\nNo.\n@body\n# MOTION\n#. first\nline\n\n#. second\n"
        "> flush\nplain **bold** text\n@footer\nF\n",
        "test",
    )
    kinds = [(b.kind, b.number, b.text) for b in doc.body]
    assert kinds == [
        ("heading", "", "MOTION"),
        ("numbered", "1", "first line"),
        ("numbered", "2", "second"),
        ("flush", "", "flush plain **bold** text"),
    ]
    assert "bold text" in doc.plain_text()
    with pytest.raises(ValueError, match="unknown section"):
        parse("@nonsense\n", "test")
    with pytest.raises(ValueError, match="missing section"):
        parse("@court\nX\n", "test")


def test_template_filters() -> None:
    assert plural(1, "conviction") == "1 conviction"
    assert plural(1234, "felony", "felonies") == "1,234 felonies"
    assert join_and(["a"]) == "a"
    assert join_and(["a", "b"]) == "a and b"
    assert join_and(["a", "b", "c"]) == "a, b, and c"


@pytest.mark.parametrize("name", ["los_angeles_2020", "generic"])
@pytest.mark.parametrize("agencies", [True, False])
def test_every_template_branch_renders(name: str, agencies: bool) -> None:
    import datetime as dt

    from cmr_reason.reasoner.filing.settings import example_settings_path
    from cmr_reason.reasoner.filing.template import DOCUMENTS as DOCS
    from cmr_reason.reasoner.filing.template import load_template

    settings = load_settings(example_settings_path(name))
    names = (settings.jurisdiction.agencies or ("Example City Attorney",)) if agencies else ()
    settings = settings.model_copy(update={"jurisdiction": settings.jurisdiction.model_copy(
        update={"agencies": names})})  # fmt: skip
    counts = {key: 1 for key in (
        "convictions", "people", "cases", "felonies", "misdemeanors", "infractions",
        "sealable_cases", "unsealable_cases", "beyond_statute", "other_agencies",
        "to_misdemeanor", "to_infraction", "felony_to_infraction", "misdemeanor_to_infraction",
    )}  # fmt: skip
    context = {
        "office": settings.office, "court": settings.court, "defenders": settings.defenders,
        "defender_names": ["the PD"], "jurisdiction": settings.jurisdiction,
        "example": True, "counts": {**counts, "by_agency": {}},
        "run": {"as_of": dt.date(2020, 7, 1), "policy": "statute", "county": ""},
    }  # fmt: skip
    template = load_template(name)
    for document in DOCS:
        text = template.render(document, context).plain_text()
        assert re.search(r"\b1 (cannabis )?conviction\b", text), document
        named = bool(settings.jurisdiction.agencies) and document.endswith("motion")
        assert ("authorized the" in text) == named, document
        if document == "dismissal_motion":
            assert "statute alone would not require" in text


def test_working_lists_are_not_headed_for_filing(filing: tuple[Path, str]) -> None:
    """Only what goes to the court says "to be filed under seal"; the review and resentence
    lists are the office's working lists."""
    out, _ = filing
    filed = "To be filed under seal (PC 13300 et seq.)"
    for name in ("review_list", "resentence_list"):
        text = squash(pdf_text(out / f"{name}.pdf"))
        assert "under seal" not in text.lower(), name
        assert "The office's working list, not for filing" in text, name
        assert "v. Defendants in Exhibit 1" not in text, name
    for name in ("dismissal_exhibit1", "redesignation_exhibit1", "sealing_list",
                 "challenge_list"):  # fmt: skip
        assert filed in squash(pdf_text(out / f"{name}.pdf")), name
    assert "HS 11361.9(d)" in squash(pdf_text(out / "challenge_list.pdf"))


def test_progress_reports_stages_with_counts_only(la_run: Path, tmp_path: Path) -> None:
    from cmr_reason.reasoner.filing.settings import example_settings_path
    from cmr_reason.reasoner.filing.template import load_template
    from cmr_reason.reasoner.filing.writer import make_filing
    from cmr_reason.reasoner.run.directory import open_run

    calls: list[tuple[str, int, int]] = []
    settings = load_settings(example_settings_path("los_angeles_2020"))
    report = make_filing(open_run(la_run), settings, load_template("los_angeles_2020"),
                         tmp_path / "f", progress=lambda *call: calls.append(call))  # fmt: skip
    stages = [stage for stage, _, _ in calls]
    assert stages[0] == "run" and stages[-1] == "files"
    assert stages == sorted(stages, key=["run", "people", "files"].index)  # in order
    assert all(isinstance(d, int) and isinstance(t, int) and 0 <= d <= t for _, d, t in calls)
    convictions = len(read_csv(la_run / "convictions.csv"))
    assert ("run", convictions, convictions) in calls
    people = {r["subject_id"] for r in read_csv(la_run / "convictions.csv")
              if r["outcome"] not in ("not_applicable", "no_relief")}  # fmt: skip
    assert ("people", len(people), len(people)) in calls  # read, not re-decided
    assert calls[-1] == ("files", len(report.files), len(report.files))


def test_cli_draws_progress_without_names(
    la_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cmr_reason.cli.commands import file as file_cmd

    monkeypatch.setattr(file_cmd, "_show_progress", lambda: True)
    result = invoke("file", str(la_run), "--out", str(tmp_path / "f"))
    assert result.exit_code == 0, result.output
    assert "Writing the filing's files" in result.output
    for person in read_csv(la_run / "people.csv"):
        assert person["name"] not in result.output
    quiet = invoke("file", str(la_run), "--out", str(tmp_path / "g"), "-q")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_workers_write_the_same_files(filing: tuple[Path, str], la_run: Path) -> None:
    """People re-decided and files written by two processes: the same bytes."""
    out, _ = filing
    again = la_run.parent / "filing-workers"
    result = invoke("file", str(la_run), "--out", str(again), "-q", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in out.iterdir())
    for path in out.iterdir():
        assert path.read_bytes() == (again / path.name).read_bytes(), path.name


def _without_agencies(run: Path, target: Path) -> Path:
    """A copy of ``run`` as a version that did not record the agency would have made it."""
    shutil.copytree(run, target)
    rows = read_csv(run / "convictions.csv")
    with (target / "convictions.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        columns = [c for c in rows[0] if c != "prosecuting_agency"]
        writer.writerow(columns)
        writer.writerows([row[c] for c in columns] for row in rows)
    return target


@pytest.fixture(scope="module")
def policy_run(demo_csv: Path) -> Path:
    """The demo under the Los Angeles 2020 policy, which names the prosecuting agency."""
    out = demo_csv.parent.parent / "run-la2020"
    result = invoke("run", str(demo_csv), "--as-of", "2020-07-01", "--county", "LOS ANGELES",
                    "--policy", "los-angeles-2020", "--out", str(out), "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_the_run_records_the_agency(policy_run: Path) -> None:
    rows = read_csv(policy_run / "convictions.csv")
    agencies = Counter(r["prosecuting_agency"] for r in rows if r["outcome"] == "dismiss_and_seal")
    assert agencies["District Attorney"] > 0
    assert sum(n for a, n in agencies.items() if a.startswith("City of")) > 0, agencies


def test_an_older_run_is_re_decided_to_the_same_files(policy_run: Path, tmp_path: Path) -> None:
    """Without the agency in convictions.csv, the people are re-decided for it: same files."""
    out = tmp_path / "filing"
    result = invoke("file", str(policy_run), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    exhibit = read_csv(out / "dismissal_exhibit1.csv")
    recorded = {r["conviction_id"]: r["prosecuting_agency"]
                for r in read_csv(policy_run / "convictions.csv")}  # fmt: skip
    assert all(r["prosecuting_agency"] == (recorded[r["conviction_id"]] or "District Attorney")
               for r in exhibit)  # fmt: skip
    assert len({r["prosecuting_agency"] for r in exhibit}) > 1
    older = _without_agencies(policy_run, tmp_path / "older-run")
    again = tmp_path / "filing-older"
    result = invoke("file", str(older), "--out", str(again), "-q", "--workers", "2")
    assert result.exit_code == 0, result.output
    for path in out.iterdir():
        if path.name != "filing.json":  # it names the run's folder
            assert path.read_bytes() == (again / path.name).read_bytes(), path.name
    record = json.loads((again / "filing.json").read_text())
    assert record["counts"] == json.loads((out / "filing.json").read_text())["counts"]


def test_a_changed_decision_stops_the_filing(
    la_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cmr_reason.reasoner.filing import worker as filing_worker

    real = filing_worker.decide

    def changed(*args, **kwargs):
        result = real(*args, **kwargs)
        decision = next(d for d in result.decisions.values() if d.outcome == "dismiss_and_seal")
        decision.outcome = "not_eligible"
        return result

    monkeypatch.setattr(filing_worker, "decide", changed)
    older = _without_agencies(la_run, tmp_path / "older-run")
    out = tmp_path / "f"
    result = invoke("file", str(older), "--out", str(out))
    assert result.exit_code == 3
    assert "re-deciding does not give the run's outcome" in squash(result.output)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["older-run"]


def test_a_killed_re_deciding_process_gives_one_line(
    policy_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's process killed from outside (out of memory, say): one line, no traceback."""
    decide = filing_rows.decide_people

    def killed(index: int, items: list, spec: object) -> object:
        os.kill(os.getpid(), signal.SIGKILL)
        return decide(index, items, spec)

    monkeypatch.setattr(filing_rows, "decide_people", killed)
    older = _without_agencies(policy_run, tmp_path / "older-run")
    result = invoke("file", str(older), "--out", str(tmp_path / "filing"), "-q")
    assert result.exit_code == 2, result.output
    assert "batch 0: its process ended without a result (signal 9)" in result.output
    assert "use fewer --workers" in result.output
    assert "Traceback" not in result.output
