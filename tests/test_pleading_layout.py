"""The pleading PDF's own line layout (reasoner/filing/pleading_pdf.py ``_wrap``, issue #21).

It replaces ``FPDF.write`` for speed, so it must keep what ``write`` kept: every character in
order, no line past the right edge, a break at a line feed, a word longer than a line broken.
"""

from __future__ import annotations

from cmr_reason.reasoner.filing.pleading_pdf import _PleadingPages, _width, _wrap

LEFT, RIGHT = 80.0, 300.0


def _lay(pieces: list[tuple[str, bool]], first: float = LEFT):
    pdf = _PleadingPages("title", "")
    pdf.add_page()
    return pdf, _wrap(pdf, pieces, 12, first, LEFT, RIGHT)


def _ends(pdf, lines) -> list[float]:
    return [x + _width(pdf, text, bold, 12) for line in lines for x, text, bold in line[-1:]]


def test_every_word_kept_in_order_and_no_line_past_the_edge() -> None:
    words = [f"word{n}" for n in range(60)]
    pieces = [(" ".join(words[:30]) + " ", False), (" ".join(words[30:]), True)]
    pdf, lines = _lay(pieces)
    assert len(lines) > 3
    text = " ".join("".join(piece for _, piece, _ in line) for line in lines)
    assert text.split() == words
    assert all(end <= RIGHT + 1e-6 for end in _ends(pdf, lines))
    assert all(line[0][0] == LEFT for line in lines)
    bolds = {bold for line in lines for _, _, bold in line}
    assert bolds == {False, True}


def test_first_line_starts_where_asked_and_a_line_feed_breaks() -> None:
    _, lines = _lay([("one\ntwo", False)], first=LEFT + 40)
    assert [[piece for _, piece, _ in line] for line in lines] == [["one"], ["two"]]
    assert lines[0][0][0] == LEFT + 40 and lines[1][0][0] == LEFT


def test_a_word_longer_than_a_line_is_broken_not_lost() -> None:
    long = "X" * 120
    pdf, lines = _lay([(f"a {long} b", False)])
    joined = "".join(piece for line in lines for _, piece, _ in line).replace(" ", "")
    assert joined == f"a{long}b"
    assert all(end <= RIGHT + 1e-6 for end in _ends(pdf, lines))
