"""Every physical data line of a generated file is accounted for exactly once."""

import csv
import io
import random

from doj_builder import arrest, court, row

from cmr_reason.facts.doj.columns import COLUMNS
from cmr_reason.facts.doj.reader import read_doj

STEPS = ["CUSTODY", "PROBATION", "SUPPLEMENTAL ARR", "APPLICANT", "MENTAL HLTH"]
CHARGES = ["11357(B) HS-POSSESS", "11359 HS", "4149 BP - NEEDLES", "664/187 PC", "182(A)(1) PC", ""]


def _date(rng):
    return f"{rng.randint(1975, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _person_rows(rng, sid):
    """A few cycles of one person, sometimes with a malformed row."""
    rows = []
    for cycle in range(1, rng.randint(1, 4) + 1):
        date = _date(rng)
        cnt = f"{cycle:03d}001001000"
        rows.append(arrest(cnt, date, SUBJECT_ID=sid))
        for count in range(1, rng.randint(1, 3) + 1):
            cnt = f"{cycle:03d}002{count:03d}000"
            disposition = rng.choice(["CONVICTED-JAIL", "CONVICTED-PROBATION", "DISMISSED", ""])
            charge = rng.choice(CHARGES)
            parts = rng.randint(1, 3)
            comment = rng.choice(["", "A\nB"])
            for part in range(parts):
                fields = {"SUBJECT_ID": sid, "DISP_DESCR": disposition, "SENT_ORDER": str(part)}
                rows.append(court(cnt, date, charge=charge, COMMENT_TEXT=comment, **fields))
        if rng.random() < 0.3:
            rows.append(row(SUBJECT_ID=sid, STP_TYPE_DESCR=rng.choice(STEPS)))
    if rng.random() < 0.1:
        rows.append(row(SUBJECT_ID=sid, STP_TYPE_DESCR="DECEASED", STP_EVENT_DATE=_date(rng)))
    if rng.random() < 0.1:
        rows.append(row(SUBJECT_ID=sid, STP_TYPE_DESCR="REGISTRATION", OFFENSE_DESCR="290 PC"))
    return rows


def _malformed(rng, sid):
    good = court("009002001000", _date(rng), SUBJECT_ID=sid)
    kind = rng.randrange(7)
    if kind == 0:
        return good[: rng.randint(1, 94)]
    if kind == 1:
        return [*good, "extra"]
    if kind == 2:
        good[COLUMNS.index("STP_EVENT_DATE")] = "20091345"
    elif kind == 3:
        good[COLUMNS.index("CNT_ORDER")] = "12"
    elif kind == 4:
        good[COLUMNS.index("SUBJECT_ID")] = ""
    elif kind == 5:
        good[COLUMNS.index("SENT_LENGTH")] = "TEN"
    else:
        return [""]  # a blank line
    return good


def _stray_quote(rng, text):
    """A quote opened at the start of a field and never closed (``,"`` for ``,``)."""
    commas = [k for k, c in enumerate(text) if c == ","]
    at = rng.choice(commas)
    return f'{text[: at + 1]}"{text[at + 1 :]}'


def generate(seed, people=200):
    """A shuffled file of ``people`` people; returns the text and its data lines' numbers.

    Some rows are damaged: malformed fields, a comment over two lines, a stray quote that
    would swallow the following lines if a quoted field could run past its line.
    """
    rng = random.Random(seed)
    rows = []
    for number in range(people):
        sid = str(100000 + number)
        rows += _person_rows(rng, sid)
        if rng.random() < 0.15:
            rows.append(_malformed(rng, sid))
    rows += rows[:: max(1, len(rows) // 20)]  # some rows twice (duplicates)
    rng.shuffle(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for fields in rows:
        before = buffer.tell()
        writer.writerow(fields)
        if rng.random() < 0.02:
            text = buffer.getvalue()[before:]
            buffer.seek(before)
            buffer.truncate()
            buffer.write(_stray_quote(rng, text))
    text = buffer.getvalue()
    return text, list(range(2, text.count("\n") + 1))


def test_every_data_row_is_counted_exactly_once(tmp_path):
    text, starts = generate(seed=1234)
    path = tmp_path / "generated.csv"
    path.write_text(text, encoding="utf-8", newline="")
    read = read_doj([path])
    (account,) = read.account.files
    used, irrelevant = list(account.used_lines), list(account.irrelevant_lines)
    rejected = [r.line for r in account.rejects]
    assert account.rows_in == len(starts) == len(used) + len(irrelevant) + len(rejected)
    assert sorted(used + irrelevant + rejected) == starts  # each line once, none missing
    assert sum(account.used.values()) == len(used)
    assert sum(account.irrelevant.values()) == len(irrelevant)
    reasons = {r.reason for r in account.rejects}
    # a blank disposition on a court row is rejected, never irrelevant (issue 16 item 1)
    assert {
        "wrong_field_count",
        "bad_date:STP_EVENT_DATE",
        "bad_cnt_order",
        "unclosed_quote",
        "unknown_disposition",
    } <= reasons
    assert {"duplicate_row", "blank_row"} <= set(account.irrelevant)

    # The used lines are exactly the lines behind the history items.
    behind = []
    deaths = 0
    for history in read:
        for item in (*history.convictions, *history.dismissals, *history.arrests,
                     *history.registrations):  # fmt: skip
            behind += item.source.lines
        deaths += history.person.deceased_date is not None or any(
            f.startswith(("conflicting_deceased", "deceased_date")) for f in history.flags
        )
    assert len(behind) == len(set(behind))
    assert set(behind) <= set(used)
    assert len(used) - len(behind) == account.used["death"]
    assert deaths <= account.used["death"]


def test_same_seed_same_histories(tmp_path):
    text, _ = generate(seed=99, people=50)
    path = tmp_path / "g.csv"
    path.write_text(text, encoding="utf-8", newline="")
    first = [h.model_dump() for h in read_doj([path])]
    second = [h.model_dump() for h in read_doj([path])]
    assert first == second
    ids = [h["person"]["subject_id"] for h in first]
    assert ids == sorted(ids)
