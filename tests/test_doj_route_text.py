"""The range readers' block path routes exactly as the line-by-line read (facts/doj/split.py).

``FileReader.route_text`` parses runs of well-formed lines at once and routes their common
rows inline; every other line goes through ``FileReader.read``. Both must give the same
routed rows (packed byte for byte, in the same order), the same row account and the same
orphans as ``read`` over ``records`` of the range's lines, whatever the block size.
"""

import random

import pytest
from test_row_accounting import generate

from cmr_reason.facts.doj import split as doj_split
from cmr_reason.facts.doj.accounting import FileAccount
from cmr_reason.facts.doj.lines import records
from cmr_reason.facts.doj.reader import FileReader, header_width


def _routed(path, part, width, new):
    """Each routed row as the sink saw it, the account and the orphans of one range."""
    sunk = []

    def sink(sid, kind, line, fields, index):
        sunk.append((sid, kind, line, _as_packed(fields), index))

    account = FileAccount(str(path))
    reader = FileReader(path, 0, account, {}, sink=sink, width=width)
    if part.lines_before is None:  # a later range: its reader counts the lines before it
        part = doj_split.Range(part.start, part.end, doj_split.lines_before(path, part.start))
    if new:
        groups = _Recorder(sunk)
        reader.sink = groups.add
        reader.route_text(doj_split._texts(path, part, "utf-8-sig"), part.lines_before + 1, groups)
    else:
        lines = doj_split._lines(path, part, "utf-8-sig")
        reader.read(records(lines, part.lines_before + 1), first=part.start == 0)
    kept = (
        dict(account.used),
        dict(account.irrelevant),
        account.rejects,
        list(account.used_lines),
        list(account.irrelevant_lines),
    )
    return sunk, kept, reader.orphans, reader.routed


def _as_packed(fields):
    """The fields as ``_pack`` keeps them: marked when it keeps them as a tuple."""
    if fields and "\x1f".join(fields).count("\x1f") != len(fields) - 1:
        return ("tuple", *fields)
    return tuple(fields)


class _Recorder:
    """Stands for ``Groups``: records each kept row, as packed, in order (never spills)."""

    budget = 1 << 60

    def __init__(self, sunk):
        self.sunk = sunk
        self.groups = _Held(sunk)
        self.size = 0

    def add(self, sid, kind, line, fields, index):
        self.sunk.append((sid, kind, line, _as_packed(fields), index))


class _Held(dict):
    """The inline path's ``groups.groups``: each row appended is recorded as the sink's."""

    def __init__(self, sunk):
        super().__init__()
        self.sunk = sunk

    def get(self, sid, default=None):
        return _Appender(self.sunk, sid)

    def __setitem__(self, sid, rows):
        raise AssertionError("get() never returns None here")


class _Appender:
    def __init__(self, sunk, sid):
        self.sunk, self.sid = sunk, sid

    def append(self, packed):
        if isinstance(packed, tuple):  # a field holds the separator
            index, line, kind, fields = packed
            self.sunk.append((self.sid, kind, line, ("tuple", *fields), index))
            return
        index, line, kind, text = packed.split("\x1e", 3)
        self.sunk.append((self.sid, kind, int(line), tuple(text.split("\x1f")), int(index)))


def _plain(line):
    """A line of one record whose only quoted field is the name."""
    return line.count('"') == 2 and "\n" not in line and line.startswith(",")


def _damaged_file(tmp_path, seed):
    """A generated messy file, with more damage of the kinds the block path must leave alone."""
    text, _ = generate(seed=seed, people=120)
    rng = random.Random(seed)
    lines = text.split("\r\n")
    for kind in [*range(10), *range(10)]:  # each kind of damage twice
        at = rng.randrange(2, len(lines) - 1)
        if kind == 3:  # a line with a code section, in a kept column
            at = next(n for n in range(at, len(lines)) if ",11357 HS" in lines[n])
        elif kind == 9:  # a dismissal
            at = next(n for n in range(at, len(lines)) if ",DISMISSED," in lines[n])
        elif kind == 7:  # two well-formed lines
            at = next(
                n for n in range(at, len(lines) - 2) if _plain(lines[n]) and _plain(lines[n + 1])
            )
        line = lines[at]
        if kind == 0:
            line = line.replace(",", ',"', 1)  # a quote opened and left open
        elif kind == 1:
            line = line[:40] + "\0" + line[40:]  # a NUL
        elif kind == 2:
            line = ""  # a blank line
        elif kind == 3:
            line = line.replace("HS", "H\x1fS")  # the separator in a kept column
        elif kind == 4:
            line = lines[0] if at % 2 else "RECORD_ID" + line  # a header inside the data
        elif kind == 5:
            line = line + ',"' + "x" * 140_000 + '"'  # a field longer than csv allows
        elif kind == 6:
            line = line.replace(",", ",,", 1)  # a field too many
        elif kind == 7:  # quotes in even numbers, yet csv reads the two lines as one record
            line += 'a","'
            lines[at + 1] = '",' + lines[at + 1] + 'a"'
        elif kind == 8:
            line = line.replace(",", ',""a', 1)  # a closing quote then a letter
        else:
            line = line.replace(",DISMISSED,", ",PAROLED,")  # a procedural court row
        lines[at] = line
    if seed == 23:  # a header with a trailing comma: every row has an empty 96th field
        lines = [line + (",X" if n % 50 == 7 else ",") for n, line in enumerate(lines)]
    body = "\r\n".join(lines)
    if seed % 2:
        body = body.removesuffix("\r\n")  # the last line without its line end
    path = tmp_path / f"d{seed}.csv"
    path.write_bytes(("\ufeff" if seed % 3 == 0 else "").encode() + body.encode("utf-8"))
    return path


@pytest.mark.parametrize("seed", [21, 22, 23])
@pytest.mark.parametrize("block", [64, 997, 1 << 22])
@pytest.mark.parametrize("parts", [1, 3])
def test_the_block_path_routes_as_the_line_by_line_read(tmp_path, monkeypatch, seed, block, parts):
    path = _damaged_file(tmp_path, seed)
    monkeypatch.setattr(doj_split, "_READ_BLOCK", block)
    width = header_width(path, "utf-8-sig")
    ranges = doj_split.split(path, "utf-8-sig", parts, min_bytes=1)
    assert len(ranges) == parts
    for part in ranges:
        old = _routed(path, part, width, new=False)
        new = _routed(path, part, width, new=True)
        assert new == old
        assert old[3] > 50 and old[1][2]  # rows routed, and rejects among them
        tuples = [row for row in old[0] if row[3][:1] == ("tuple",)]
        assert tuples or parts > 1  # the separator in a kept column


def test_a_lone_carriage_return_in_a_block_gives_way(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"a,b\r\nc\rd,e\r\n")
    part = doj_split.Range(0, path.stat().st_size, 0)
    with pytest.raises(doj_split._LoneCarriageReturn):
        list(doj_split._texts(path, part, "utf-8"))
    path.write_bytes(b"a,b\r\nc,d\r\r\n")  # as the serial read counts it: a line "c,d\r"
    with pytest.raises(doj_split._LoneCarriageReturn):
        list(doj_split._texts(path, part, "utf-8"))
