"""The synthetic DOJ generator and ``cmr-reason synth`` (#9)."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth.generator import DEMO, columns, demo_path, generate, write_file

COL = {name: i for i, name in enumerate(columns())}
CANNABIS = re.compile(
    r"(11357|11358|11359|11360|11530\.5|11530|11531|11540)(\(|\s|HS)", re.IGNORECASE
)
#: The marijuana sections before the 1972 recodification (programs/tables/predecessors.lp).
FORMER = re.compile(r"(11530\.5|11530|11531|11540)(\s|HS)")
PEOPLE = 2000


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="ascii") as handle:
        return list(csv.reader(handle))


def field(row: list[str], name: str) -> str:
    return row[COL[name]].strip()


def valid_date(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return False
    return True


def is_conviction(row: list[str]) -> bool:
    return field(row, "DISP_DESCR").startswith("CONVICTED")


def effective_charge(row: list[str]) -> str:
    """The offence of conviction as a reader should take it (docs/doj-format.md)."""
    conv = field(row, "CONV_OFFENSE_DESCR")
    if conv:
        return conv
    descr = field(row, "OFFENSE_DESCR")
    if descr and descr != "SEE COMMENT FOR CHARGE":
        return descr
    return field(row, "COMMENT_TEXT").removeprefix("CHRG ")


def damaged(row: list[str]) -> bool:
    """Whether a row shows one of the generator's deliberate defects."""
    if len(row) != len(COL):
        return True
    if not field(row, "SUBJECT_ID") or not re.fullmatch(r"\d{12}", field(row, "CNT_ORDER")):
        return True
    if not all(valid_date(field(row, n)) for n in ("STP_EVENT_DATE", "PRI_DOB", "CYC_DATE")):
        return True
    return is_conviction(row) and not (
        field(row, "OFFENSE_DESCR") or field(row, "CONV_OFFENSE_DESCR")
        or field(row, "COMMENT_TEXT")
    )  # fmt: skip


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[list[str]], object]:
    path = tmp_path_factory.mktemp("synth") / "clean.csv"
    stats = write_file(path, PEOPLE, seed=11)
    return read(path), stats


def test_header_is_the_95_columns(clean):
    rows, _ = clean
    assert rows[0] == list(columns())
    assert len(set(columns())) == 95
    assert columns()[0] == "RECORD_ID" and columns()[-1] == "END_OF_REC"
    assert columns()[COL["SUBJECT_ID"]] == "SUBJECT_ID" and COL["SUBJECT_ID"] == 2
    assert COL["CNT_ORDER"] == 50 and COL["COMMENT_TEXT"] == 93


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    write_file(a, 200, seed=5, malformed_rate=0.02)
    write_file(b, 200, seed=5, malformed_rate=0.02)
    write_file(c, 200, seed=6, malformed_rate=0.02)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_every_row_is_well_formed_without_malformed_rate(clean):
    rows, stats = clean
    data = rows[1:]
    assert len(data) == stats.rows
    assert stats.malformed_rows == 0
    assert [r for r in data if damaged(r)] == []


def test_every_person_has_a_cannabis_conviction_in_the_county(clean):
    rows, stats = clean
    people = {field(r, "SUBJECT_ID") for r in rows[1:]}
    assert len(people) == stats.people == PEOPLE
    with_one = {
        field(r, "SUBJECT_ID")
        for r in rows[1:]
        if is_conviction(r)
        and field(r, "STP_ORI_CNTY_NAME") == "LOS ANGELES"
        and CANNABIS.match(effective_charge(r))
    }
    assert with_one == people


def test_person_fields_agree_across_rows(clean):
    rows, _ = clean
    identity: dict[str, tuple[str, ...]] = {}
    for r in rows[1:]:
        key = tuple(field(r, n) for n in ("PRI_NAME", "PRI_DOB", "GENDER", "RACE_DESCR"))
        assert identity.setdefault(field(r, "SUBJECT_ID"), key) == key


def test_row_grain_dates_and_levels(clean):
    rows, stats = clean
    convictions = collections.Counter(
        (field(r, "SUBJECT_ID"), field(r, "CNT_ORDER")) for r in rows[1:] if is_conviction(r)
    )
    assert len(convictions) == stats.convictions
    assert any(n > 1 for n in convictions.values()), "no multi-row sentence"
    for r in rows[1:]:
        order, step = field(r, "CNT_ORDER"), field(r, "STP_TYPE_DESCR")
        assert order.endswith("000") and int(order[:3]) == int(field(r, "CYC_ORDER"))
        assert field(r, "CYC_DATE") <= field(r, "STP_EVENT_DATE") <= "20191231"
        assert "19250101" <= field(r, "PRI_DOB") <= "20011231"
        if is_conviction(r):
            assert field(r, "SENT_LOC_DESCR") in {"JAIL", "PROBATION", "PRISON", "FINE"}
            assert step in {"COURT ACTION", "COURT"}
            level = field(r, "CONV_STAT_DESCR") or field(r, "OFFENSE_TOC")
            assert level in {"FELONY", "MISDEMEANOR", "INFRACTION", "F", "M", "I"}


def test_cannabis_subsections_follow_their_era(clean):
    rows, _ = clean
    for r in rows[1:]:
        charge, day = field(r, "OFFENSE_DESCR").upper(), field(r, "STP_EVENT_DATE")
        if not CANNABIS.match(charge) or not is_conviction(r):
            continue
        if day < "19760101":
            assert re.match(r"(1135[7-9]|11360|11530\.5|11530|11531|11540)(?!\()", charge), charge
        if "(A)(3)(D)" in charge or "(C)(3)" in charge or "11358(C)" in charge:
            assert day >= "20161109"
        if charge.startswith("11357(B)") and field(r, "CONV_STAT_DESCR") == "INFRACTION":
            assert day >= "20110101"


def test_former_sections_before_the_recodification_only(clean):
    """Cycles before 7 March 1973 use the former marijuana sections, later ones HS 11357-11360."""
    rows, _ = clean
    former = 0
    for r in rows[1:]:
        charge, arrest = field(r, "OFFENSE_DESCR").upper(), field(r, "CYC_DATE")
        if not CANNABIS.match(charge) or not is_conviction(r) or "664" in charge:
            continue
        if FORMER.match(charge):
            former += 1
            assert arrest < "19730307", (charge, arrest)
        else:
            assert arrest >= "19730307", (charge, arrest)
    assert former > 0


def test_rare_legal_entries_and_messy_spellings_occur(clean):
    rows, _ = clean
    text = {field(r, "OFFENSE_DESCR") for r in rows[1:]}
    steps = {field(r, "STP_TYPE_DESCR") for r in rows[1:]}
    assert {"REGISTRATION", "DECEASED", "COURT ACTION", "ARREST/DETAINED/CITED"} <= steps
    for literal in (
        "290 PC-REGISTRATION OF SEX OFFENDER",
        "11590 HS-REGISTRATION OF CNTL SUB OFFENDER",
        "664/187 PC-ATTEMPTED MURDER",
        "182(A)(1) PC-CONSPIRACY: COMMIT CRIME",
        "SEE COMMENT FOR CHARGE",
        "4149 BP - UNLICENSED SALE OF NEEDLES",
    ):
        assert literal in text, literal
    assert any(re.match(r"11357\([A-C]\)HS-", t) for t in text)
    assert any(re.match(r"1135\d\([a-c]\) HS-", t) for t in text)
    assert any(t.startswith(("664/1135", "664-1135", "664/11360", "664-11360")) for t in text)
    assert any(re.match(r"113[56]\d(\(\w\))*/664 HS", t) for t in text)
    assert "NULL" in {field(r, "OFN") for r in rows[1:]}
    assert any(r[COL["PRI_NAME"]].endswith(" ") for r in rows[1:])
    assert any(
        field(r, "CONV_OFFENSE_DESCR")
        and field(r, "CONV_OFFENSE_DESCR") != field(r, "OFFENSE_DESCR")
        for r in rows[1:]
    )
    assert any(is_conviction(r) and not field(r, "CONV_STAT_DESCR") for r in rows[1:])
    counties = {field(r, "STP_ORI_CNTY_NAME") for r in rows[1:]}
    assert len(counties) > 3


def test_some_people_have_non_adjacent_rows(clean):
    rows, _ = clean
    seen: set[str] = set()
    previous, interleaved = None, 0
    for r in rows[1:]:
        subject = field(r, "SUBJECT_ID")
        if subject != previous and subject in seen:
            interleaved += 1
        seen.add(subject)
        previous = subject
    assert 0 < interleaved < PEOPLE / 2


def test_averages_look_like_the_doj_files(clean):
    _, stats = clean
    assert 7.5 <= stats.rows_per_person <= 10
    assert 2.5 <= stats.convictions_per_person <= 3.5
    assert stats.people <= stats.cannabis_convictions <= stats.convictions


def test_malformed_rate_is_honoured_and_leaves_the_rest_alone(tmp_path):
    clean_rows = list(generate(1000, seed=3))
    damaged_path = tmp_path / "damaged.csv"
    stats = write_file(damaged_path, 1000, seed=3, malformed_rate=0.05)
    rows = read(damaged_path)[1:]
    assert len(rows) == len(clean_rows) == stats.rows
    assert 0.035 <= stats.malformed_rows / stats.rows <= 0.065
    assert sum(damaged(r) for r in rows) == stats.malformed_rows
    changed = sum(a != b for a, b in zip(clean_rows, rows, strict=True))
    assert changed == stats.malformed_rows
    assert {len(r) for r in rows} - {95}, "no wrong field count among the damaged rows"


def test_bad_arguments_are_user_errors(tmp_path):
    with pytest.raises(UserError):
        list(generate(10, 1, county="ATLANTIS"))
    with pytest.raises(UserError):
        list(generate(10, 1, malformed_rate=1.5))
    assert next(generate(5, 1, county=" yolo ")) is not None


def test_other_county_files(tmp_path):
    rows = list(generate(200, 4, county="SAN JOAQUIN"))
    people = {r[COL["SUBJECT_ID"]] for r in rows}
    in_county = {
        r[COL["SUBJECT_ID"]]
        for r in rows
        if is_conviction(r)
        and field(r, "STP_ORI_CNTY_NAME") == "SAN JOAQUIN"
        and CANNABIS.match(effective_charge(r))
    }
    assert in_county == people


def test_bundled_demo_file_is_reproducible(tmp_path):
    regenerated = tmp_path / "demo.csv"
    write_file(regenerated, DEMO.people, DEMO.seed, DEMO.county, DEMO.malformed_rate)
    assert regenerated.read_bytes() == demo_path().read_bytes()
    readme = (demo_path().parent / "README.md").read_text()
    command = (
        f"cmr-reason synth --people {DEMO.people} --seed {DEMO.seed} --county "
        f'"{DEMO.county}" --malformed-rate {DEMO.malformed_rate} --out facts/data/demo_doj.csv'
    )
    assert command in readme


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the console entry point as a user would (UserError handling included)."""
    code = "from cmr_reason.cli.app import main; main()"
    env = {**os.environ, "COLUMNS": "400"}  # a wide terminal: rich does not wrap the error
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env
    )


def test_cli_writes_the_file_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "synth.csv"
    args = ("synth", "--people", "50", "--seed", "9", "--out", str(out))
    first = cli(*args, "--malformed-rate", "0.1")
    assert first.returncode == 0, first.stderr
    assert "people" in first.stderr and "rows" in first.stderr and first.stdout == ""
    assert out.read_bytes().startswith(b"RECORD_ID,SUBJECT_STATUS,SUBJECT_ID,")
    before = out.read_bytes()

    refused = cli(*args)
    assert refused.returncode == 2
    assert "exists" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == before

    forced = cli(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes() != before  # no malformed rows this time

    bad_county = cli("synth", "--people", "5", "--seed", "1", "--county", "X", "--out",
                     str(tmp_path / "x.csv"))  # fmt: skip
    assert bad_county.returncode == 2 and "unknown county" in bad_county.stderr
    assert not (tmp_path / "x.csv").exists()


# --- The petition mix (issue #21) -------------------------------------------------------


@pytest.fixture(scope="module")
def petitions(tmp_path_factory: pytest.TempPathFactory) -> list[list[str]]:
    path = tmp_path_factory.mktemp("synth") / "petitions.csv"
    write_file(path, PEOPLE, seed=11, mix="petitions")
    return read(path)


def _convictions(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """The rows of each convicted count, keyed by subject and count."""
    counts: dict[str, list[list[str]]] = collections.defaultdict(list)
    for row in rows:
        if is_conviction(row):
            counts[f"{field(row, 'SUBJECT_ID')}:{field(row, 'CNT_ORDER')}"].append(row)
    return counts


def test_petition_mix_is_reproducible_and_leaves_the_default_alone(tmp_path, petitions):
    again = tmp_path / "again.csv"
    write_file(again, PEOPLE, seed=11, mix="petitions")
    assert read(again) == petitions
    default = tmp_path / "default.csv"
    write_file(default, 50, seed=11)
    assert read(default)[1:] != petitions[1 : len(read(default))]
    with pytest.raises(UserError, match="unknown mix"):
        list(generate(1, 1, mix="bogus"))


def test_petition_mix_holds_what_the_petition_remedies_turn_on(petitions):
    """People without cannabis, wobblers, revocations, jail and prison felonies, drugs, theft."""
    rows = petitions[1:]
    people_with_cannabis = {
        field(r, "SUBJECT_ID")
        for r in rows
        if is_conviction(r) and CANNABIS.search(effective_charge(r))
    }
    people = {field(r, "SUBJECT_ID") for r in rows}
    assert 0.1 < len(people_with_cannabis) / len(people) < 0.6
    counts = _convictions(rows)
    kinds: collections.Counter[str] = collections.Counter()
    for count_rows in counts.values():
        first = count_rows[0]
        toc = "CONV_OFFENSE_TOC" if field(first, "CONV_OFFENSE_DESCR") else "OFFENSE_TOC"
        level = field(first, "CONV_STAT_DESCR") or field(first, toc)
        parts = {field(r, "SENT_LOC_DESCR") for r in count_rows}
        day = int(field(first, "STP_EVENT_DATE"))
        charge = effective_charge(first)
        felony = level in ("FELONY", "F")
        if felony and parts == {"JAIL"}:
            kinds["jail felony after realignment" if day >= 20111001 else "jail felony before"] += 1
        if felony and "PRISON" in parts:
            kinds["prison felony"] += 1
        if felony and "PROBATION" in parts and re.match(r"(496|245|487|10851|273\.5)", charge):
            kinds["wobbler with probation"] += 1
        if felony and re.match(r"(11350|11377)", charge):
            kinds["drug possession felony"] += 1
        if re.match(r"(470|476A|666|530\.5|487|496|459)", charge):
            kinds["theft or forgery"] += 1
        if day >= 20200101:
            kinds["convicted 2020 or later"] += 1
    updates = collections.Counter(
        field(r, "DISP_DESCR") for r in rows if field(r, "DISP_ORDER") == "2"
    )
    assert kinds["jail felony before"] == 0, "a felony jail term without probation before 2011"
    for kind in (
        "jail felony after realignment", "prison felony", "wobbler with probation",
        "drug possession felony", "theft or forgery", "convicted 2020 or later",
    ):  # fmt: skip
        assert kinds[kind] >= 20, (kind, kinds)
    for update in (
        "PROBATION REVOKED", "REDUCED TO MISDEMEANOR", "REDESIGNATED MISDEMEANOR PER 1170.18 PC",
    ):  # fmt: skip
        assert updates[update] >= 10, (update, updates)
