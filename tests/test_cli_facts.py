"""The ``facts`` and ``summary`` commands, and how they report unreadable input."""

import json

import pytest
from doj_builder import PERSON, arrest, court, csv_text, row, write
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.doj.columns import INDEX

runner = CliRunner()

ROWS = [
    arrest("001001001000", "20100105"),
    court("001002001000", "20100301"),
    court("002002001000", "20120301", SUBJECT_ID="1010", charge="11359 HS-POSSESS FOR SALE",
          CONV_STAT_DESCR="FELONY"),
    court("003002001000", "20130301", SUBJECT_ID="1010", charge="4149 BP - NEEDLES"),
    row(SUBJECT_ID="2020", STP_TYPE_DESCR="CUSTODY"),
    court("003002001000", "20130301", SUBJECT_ID="1010", SENT_LENGTH="X"),
]  # fmt: skip


@pytest.fixture
def doj_file(tmp_path):
    return write(tmp_path / "county.csv", ROWS)


def test_facts_prints_every_person_with_a_source_comment(doj_file):
    result = runner.invoke(app, ["facts", str(doj_file)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    comments = [line for line in lines if line.startswith("%")]
    assert comments == [f"% person 1001 ({doj_file}:2)", f"% person 1010 ({doj_file}:4)"]
    assert 'conviction("1001:001002001000", "1001", "1001:001002").' in lines
    assert 'charge("1010:002002001000", hs, "11359", ()).' in lines
    assert "\x1b[" not in result.stdout  # plain text, no markup or colour
    assert "1 input rows were rejected" in result.stderr


def test_facts_of_one_person(doj_file):
    result = runner.invoke(app, ["facts", str(doj_file), "--person", "1010"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"% person 1010 ({doj_file}:4)\n")
    assert '"1001"' not in result.stdout


def test_unknown_person_lists_the_closest_ids(doj_file):
    result = runner.invoke(app, ["facts", str(doj_file), "--person", "1011"])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "no person with subject id '1011'" in message
    assert "closest: 1010, 1001" in message


def test_explain_reads_one_person_and_names_the_closest_ids(doj_file):
    """``explain --input`` keeps one subject's rows; a miss still counts every person."""
    found = runner.invoke(app, ["explain", "1010", "--input", str(doj_file), "--as-of",
                                "2020-07-01"])  # fmt: skip
    assert found.exit_code == 0, found.output
    assert "Person 1010" in found.stdout and "1001" not in found.stdout
    missed = runner.invoke(app, ["explain", "1011", "--input", str(doj_file)])
    assert missed.exit_code == 2
    message = " ".join(missed.stderr.split())
    assert "no person '1011' in the input (3 subject ids)" in message  # 1001, 1010, 2020
    assert "closest ids: 1010, 1001" in message


def test_summary_counts_rows_and_convictions(doj_file):
    result = runner.invoke(app, ["summary", str(doj_file)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "│ people │ 2 │" in out
    assert "│ convictions │ 3 │" in out
    assert "│ cannabis-related convictions │ 2 │" in out
    assert "│ felony │ 1 │" in out and "│ misdemeanor │ 2 │" in out
    assert "│ 6 │ 4 │ 1 │ 1 │" in out  # rows in, used, irrelevant, rejected
    assert f"{doj_file}:7 bad_sentence_length" in out


def _one_line_error(result):
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error:")
    return message


@pytest.mark.parametrize("command", ["facts", "summary"])
def test_file_errors_are_one_line(tmp_path, command):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00\x00garbage" * 10)
    latin = tmp_path / "latin-1-file-with-a-long-name-so-the-message-would-wrap.csv"
    latin.write_bytes(csv_text([court("001002001000", "20100301", PRI_NAME="MUÑOZ,ANA")])
                      .encode("latin-1"))  # fmt: skip
    cases = {
        "missing": (tmp_path / "missing.csv", "file not found"),
        "empty": (empty, "is empty"),
        "binary": (binary, "NUL bytes"),
        "latin-1": (latin, "line 2 is not valid utf-8"),
    }
    for path, expected in cases.values():
        message = _one_line_error(runner.invoke(app, [command, str(path)]))
        assert expected in message
    assert "--encoding latin-1" in _one_line_error(runner.invoke(app, [command, str(latin)]))
    ok = runner.invoke(app, [command, str(latin), "--encoding", "latin-1"])
    assert ok.exit_code == 0, ok.output


def test_lp_history_reads_and_unknown_suffix_fails(tmp_path):
    history = tmp_path / "case.lp"
    history.write_text('person("p"). birth("p", 19700101).\n')
    result = runner.invoke(app, ["facts", str(history)])
    assert result.exit_code == 0, result.output
    assert 'birth("p", 19700101).' in result.output
    typo = tmp_path / "typo.lp"
    typo.write_text('person("p"). brith("p", 19700101).\n')
    assert "unknown predicate brith/2" in _one_line_error(runner.invoke(app, ["facts", str(typo)]))
    other = tmp_path / "data.xlsx"
    other.write_text("x")
    assert "unknown input type" in _one_line_error(runner.invoke(app, ["summary", str(other)]))


def test_no_name_or_birth_date_in_any_message(tmp_path, doj_file):
    bad = [
        court("001002001000", "2010031", PRI_NAME="SECRETNAME,ZED"),
        court("001002001000", "1970-01-01"),  # a date column holding a birth date's text
        court("001002001000", "19700132"),
        court("001002001000", "SECRETNAME"),
        court("001002001000", "20100301")[:60],
        court("BADCOUNT", "20100301"),
    ]
    path = write(tmp_path / "bad.csv", [*ROWS, *bad])
    outputs = []
    for args in (
        ["summary", str(path)],
        ["facts", str(path)],
        ["facts", str(path), "--person", "x"],
    ):
        result = runner.invoke(app, args)
        outputs.append(result.stderr + (result.stdout if args[0] == "summary" else ""))
    from cmr_reason.facts.doj.reader import read_doj

    outputs += [f"{r.reason} {r.detail}" for r in read_doj([path]).account.rejects()]
    text = "\n".join(outputs)
    secrets = (PERSON["PRI_NAME"], "TESTPERSON", "SECRETNAME", "19700101", "1970-01-01", "19700132")
    for secret in secrets:
        assert secret not in text


def _record_counts(output: str) -> dict[str, int]:
    """The Record table of ``summary`` as {what: count}."""
    counts = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 2 and cells[1].isdigit():
            counts[cells[0]] = int(cells[1])
    return counts


@pytest.mark.parametrize("source", ["demo", "damaged"])
def test_summary_and_run_count_the_same_convictions(source, tmp_path):
    """``summary`` and ``run`` read one figure from the programs' decisions (cannabis_related).

    The demo file once gave 408 and 415: summary matched the charges against the cannabis
    table alone, missing conspiracies (PC 182) and related sections the run counts.
    """
    if source == "demo":
        files: list[str] = []
    else:
        path = tmp_path / "damaged.csv"
        made = runner.invoke(app, ["synth", "--people", "150", "--seed", "11", "--out",
                                   str(path), "--malformed-rate", "0.08"])  # fmt: skip
        assert made.exit_code == 0, made.output
        files = [str(path)]
    shown = runner.invoke(app, ["summary", *files], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    counts = _record_counts(shown.stdout)
    out = tmp_path / "run"
    ran = runner.invoke(
        app, ["run", *files, "--as-of", "2020-07-01", "--out", str(out), "-q", "--accept-rejects"]
    )
    assert ran.exit_code == 0, ran.output
    figures = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert counts["people"] == figures["people"]["total"]
    assert counts["convictions"] == figures["convictions"]["total"]
    assert counts["cannabis-related convictions"] == figures["convictions"]["cannabis_related"]
    if source == "demo":
        assert figures["convictions"]["cannabis_related"] == 416
    else:
        assert "First rejected rows" in shown.stdout  # damaged rows were there


@pytest.mark.parametrize("command", ["facts", "summary", "run"])
def test_encoding_and_header_errors_are_one_line(tmp_path, command):
    """UTF-16 without a byte order mark, a codec that is not text, a header that cannot be read."""
    text = csv_text([court("001002001000", "20100301")])
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(text.encode("utf-16-le"))
    plain = write(tmp_path / "plain.csv", [court("001002001000", "20100301")])
    header = tmp_path / "header.csv"
    header.write_text(text.replace("RECORD_ID,", 'RECORD_ID,"', 1), encoding="utf-8")
    extra = ["--as-of", "2020-07-01", "--out", str(tmp_path / "out")] if command == "run" else []
    cases = [
        ([str(utf16), "--encoding", "utf-16"], "does not start with a byte order mark"),
        ([str(plain), "--encoding", "rot13"], "'rot13' is not a text encoding"),
        ([str(plain), "--encoding", "punycode"], "cannot be read as punycode"),
        ([str(header)], "line 1 is a header that cannot be read (unclosed quote)"),
    ]
    for args, expected in cases:
        message = _one_line_error(runner.invoke(app, [command, *args, *extra]))
        assert expected in message
    ok = runner.invoke(app, [command, str(utf16), "--encoding", "utf-16-le", *extra])
    assert ok.exit_code == 0, ok.output


def test_a_nul_past_the_first_64_kib_rejects_its_line_only(tmp_path):
    rows = [court(f"{n:03d}002001000", "20100301", SUBJECT_ID=str(1000 + n)) for n in range(400)]
    rows[300][INDEX["COMMENT_TEXT"]] = "A\0B"
    path = write(tmp_path / "nul.csv", rows)
    assert path.read_bytes().index(b"\0") > 1 << 16
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--as-of", "2020-07-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rejects = (out / "rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[1:] == [f"{path},302,nul_byte,the line holds a NUL character,1300"]


SECRET = "SECRETNAME,ZED 19700101"


def test_no_input_text_in_published_figures(tmp_path):
    """A name in a step type, race or gender column: counted as other, published nowhere."""
    rows = [
        *ROWS,
        row(SUBJECT_ID="3030", STP_TYPE_DESCR=SECRET),
        court("005002001000", "20100301", SUBJECT_ID="4040", RACE_DESCR=SECRET, GENDER=SECRET),
    ]
    path = write(tmp_path / "leak.csv", rows)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--as-of", "2020-07-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = tmp_path / "report.html"
    reported = runner.invoke(
        app, ["report", str(out), "--out", str(report), "--suppress-below", "11"]
    )
    assert reported.exit_code == 0, reported.output
    summarised = runner.invoke(app, ["summary", str(path)])
    assert summarised.exit_code == 0, summarised.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    published = {
        "summary.json": json.dumps(summary),
        "report.html": report.read_text(encoding="utf-8"),
        "summary": summarised.output,
        "run": result.output,
        "manifest.json": (out / "manifest.json").read_text(encoding="utf-8"),
    }
    for name, text in published.items():
        for secret in ("SECRETNAME", "19700101", "ZED"):
            assert secret not in text, name
    assert summary["by_race"]["other"]["people"] == 1
    assert summary["by_gender"]["other"]["people"] == 1
    kinds = {**summary["input"]["irrelevant_by_kind"], **summary["input"]["rejected_by_reason"]}
    assert all(k.islower() or k in {"CUSTODY"} or ":" in k for k in kinds), kinds
