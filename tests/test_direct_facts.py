"""The bulk run's direct path gives each person the facts and rows values a history gives.

``facts/doj/direct.py`` writes the packed facts and the lean person straight from a subject's
rows; ``build_history`` then ``packed_facts`` and ``lean_person`` are the reference. Both
must agree for every person of messy generated files (shuffled and duplicated rows, damaged
lines, conflicting values, several files) and of the synthetic generator's files with
damaged rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from doj_builder import arrest, court, row
from hypothesis import given, settings
from hypothesis import strategies as st
from test_row_accounting import generate

from cmr_reason.facts.dates import part_end, part_end_yyyymmdd, to_yyyymmdd
from cmr_reason.facts.doj.columns import COLUMNS
from cmr_reason.facts.doj.direct import direct_person
from cmr_reason.facts.doj.history_builder import build_history
from cmr_reason.facts.doj.reader import use_rows
from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.fact_writer import packed_facts
from cmr_reason.facts.lean_person import lean_person
from cmr_reason.facts.synth.generator import demo_path, write_file

CHARGES = (
    "11357(B) HS-POSSESS",
    "11359 HS-POSSESS MARIJ FOR SALE",
    "11360(A)(1) HS-TRANSPORT",
    "664/211 PC-ATTEMPTED ROBBERY",
    "182(A)(1) PC-CONSPIRACY",
    "SEE COMMENT FOR CHARGE",
    "4149 BP - NEEDLES",
    "GARBLED TEXT",
    "",
)
COMMENTS = ("", "CONSPIRACY TO COMMIT 11359 HS", "11358 HS CULTIVATION", "A\nB")
DISPOSITIONS = (
    "CONVICTED",
    "CONVICTED-PROBATION",
    "DISMISSED",
    "REDUCED TO MISDEMEANOR PER 17(B) PC",
    "DISMISSED/SEALED PER 11361.8 HS",
    "PROBATION REVOKED",
    "",
)
LEVELS = ("FELONY", "MISDEMEANOR", "INFRACTION", "", "GARBLED")
PLACES = ("CASC LOS ANGELES", "CAMC SAN DIEGO", "LOS ANGELES", "CASC ", "")
COUNTIES = ("LOS ANGELES", "SAN DIEGO", "", 'A "QUOTED" COUNTY')


def _date(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(["", "00000000", "20091345", "19850000", "20100300"])  # and partial
    return f"{rng.randint(1975, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _person(rng: random.Random, sid: str) -> list[list[str]]:
    """Cycles of arrests and court counts with varied values, and other steps."""
    person = {
        "SUBJECT_ID": sid,
        "CII_NUMBER": f"A{sid}",
        "PRI_DOB": rng.choice(["19700101", "19700101", "19650230", "", "19800505"]),
        "GENDER": rng.choice(["M", "f", ""]),
    }
    rows = []
    for cycle in range(1, rng.randint(1, 4) + 1):
        date = _date(rng)
        for step in range(1, rng.randint(1, 2) + 1):
            cnt = f"{cycle:03d}{step:03d}001000"
            rows.append(
                arrest(
                    cnt,
                    _date(rng) if step > 1 else date,
                    STP_ORI_DESCR=rng.choice(PLACES),
                    **person,
                )
            )
        for count in range(1, rng.randint(1, 3) + 1):
            cnt = f"{cycle:03d}{rng.randint(2, 3):03d}{count:03d}000"
            charge = rng.choice(CHARGES)
            for part in range(rng.randint(1, 3)):
                values = {
                    "DISP_DESCR": rng.choice(DISPOSITIONS),
                    "CONV_STAT_DESCR": rng.choice(LEVELS),
                    # an offence of conviction: none, sending to the comment, a plea
                    "CONV_OFFENSE_DESCR": rng.choice(
                        ["", "", "SEE COMMENT FOR CHARGE", "11357(A) HS"]
                    ),
                    "CONV_OFFENSE_TOC": rng.choice(["", "M"]),
                    "OFFENSE_TOC": rng.choice("FMI "),
                    "SENT_ORDER": rng.choice(["1", "2", "10", "", "A"]),
                    "SENT_LOC_DESCR": rng.choice(["PROBATION", "JAIL", "PRISON", "FINE", ""]),
                    "SENT_LENGTH": rng.choice(["36", "6", "", "1"]),
                    "SENT_TIME_CODE": rng.choice("DMY "),
                    "DISP_DATE": _date(rng) if rng.random() < 0.5 else "",
                    "CYC_DATE": date,
                    "OFN": rng.choice(["", "OFN1", "OFN2"]),
                    "FE_NUM_CRT_CASE": rng.choice(["", "BA123", "BA456"]),
                    "COMMENT_TEXT": rng.choice(COMMENTS),
                    "STP_ORI_DESCR": rng.choice(PLACES),
                    "STP_ORI_CNTY_NAME": rng.choice(COUNTIES),
                }
                step_date = date if rng.random() < 0.8 else _date(rng)
                rows.append(court(cnt, step_date, charge=charge, **person, **values))
                if part == 0 and rng.random() < 0.1:  # the same count in another form
                    rows.append(court(cnt, step_date, charge=rng.choice(CHARGES), **person))
    for _ in range(rng.choice([0, 0, 1, 2])):
        rows.append(row(STP_TYPE_DESCR="DECEASED", STP_EVENT_DATE=_date(rng), **person))
    for _ in range(rng.choice([0, 0, 1, 2, 3])):  # some on the same day
        rows.append(
            row(STP_TYPE_DESCR="REGISTRATION", STP_EVENT_DATE=rng.choice(["20100101", _date(rng)]),
                OFFENSE_DESCR=rng.choice(["290 PC", "11590 HS", "GARBLED"]), **person)
        )  # fmt: skip
    if rng.random() < 0.1:  # a rejected line that names no subject, given by its CII
        rows.append(court("009002001000", "20100101", **{**person, "SUBJECT_ID": ""}))
    return rows


def _files(rng: random.Random, tmp_path, people: int) -> list[str]:
    """One or two shuffled files (a person's rows may be in both), some rows twice."""
    rows = [r for number in range(people) for r in _person(rng, str(5000 + number))]
    rows += rows[:: max(1, len(rows) // 15)]
    rng.shuffle(rows)
    cut = rng.randint(len(rows) // 2, len(rows)) if rng.random() < 0.5 else len(rows)
    paths = []
    for index, part in enumerate((rows[:cut], rows[cut:])):
        if not part:
            continue
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(part)
        path = tmp_path / f"f{index}.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        paths.append(str(path))
    return paths


def _compare(paths) -> int:
    """Check every person of ``paths``; the number of people checked."""
    with stream_doj(paths) as stream:
        subjects, _ = use_rows(list(stream.items()), stream.files, stream.orphans)
        for sid, subject in subjects:
            history = build_history(sid, subject, stream.files)
            facts, person = direct_person(sid, subject, stream.files)
            assert facts == packed_facts(history), sid
            assert person == lean_person(history), sid
    return len(subjects)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=1 << 32))
def test_direct_path_equals_the_history_path(tmp_path_factory, seed):
    tmp_path = tmp_path_factory.mktemp("direct")
    assert _compare(_files(random.Random(seed), tmp_path, people=30)) > 0


def test_direct_path_on_damaged_generated_files(tmp_path):
    for seed in (1, 2, 3):
        text, _ = generate(seed=seed, people=150)
        path = tmp_path / f"g{seed}.csv"
        path.write_text(text, encoding="utf-8", newline="")
        assert _compare([str(path)]) > 100


def test_direct_path_on_synthetic_files_with_damaged_rows(tmp_path):
    path = tmp_path / "synth.csv"
    write_file(path, people=1500, seed=11, malformed_rate=0.03)
    assert _compare([str(path), str(demo_path())]) > 1500


def test_part_end_of_an_integer_date_equals_part_end():
    """Every day of a leap and a plain year, and the last years a date can hold.

    Month ends (31 January plus a month, 29 February plus a year), lengths that cross
    years, and ends past year 9999 (None, as ``part_end`` gives).
    """
    days = []
    for first, last in (
        (dt.date(2019, 12, 1), dt.date(2021, 3, 1)),
        (dt.date(9998, 1, 1), dt.date(9999, 12, 31)),
    ):
        days += map(dt.date.fromordinal, range(first.toordinal(), last.toordinal() + 1))
    compared = 0
    for day in days:
        for length in (0, 1, 2, 11, 12, 13, 59, 3650, 99999):
            for unit in ("day", "month", "year", "week"):
                expected = part_end(day, length, unit)
                got = part_end_yyyymmdd(to_yyyymmdd(day), length, unit)
                assert got == (to_yyyymmdd(expected) if expected else None), (day, length, unit)
                compared += 1
    assert compared == len(days) * 36
