"""The charge normaliser: every spelling the DOJ file uses, and two properties."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cmr_reason.facts.charge_normaliser import BODIES, canonical_text, normalise_charge

# text -> (body, section, subsections, attempt, conspiracy, target code_section or None)
SPELLINGS = {
    "11360(A) HS-GIVE/ETC MARIJ OVER 1 OZ/28.5 GRM": ("hs", "11360", ("a",), False, False, None),
    "11357(C)HS-POSSESS MARIJUANA": ("hs", "11357", ("c",), False, False, None),
    "11359HS-INTENT SELL CANNABIS": ("hs", "11359", (), False, False, None),
    "4149 BP - UNLICENSED SALE OF NEEDLES": ("bp", "4149", (), False, False, None),
    "664/11359 HS": ("hs", "11359", (), True, False, None),
    "664.11359": ("unknown", "11359", (), True, False, None),
    "664-11359": ("unknown", "11359", (), True, False, None),
    "664-11357(C) HS": ("hs", "11357", ("c",), True, False, None),
    "11359/664": ("unknown", "11359", (), True, False, None),
    "66411357(c) HS": ("hs", "11357", ("c",), True, False, None),
    "487(A)-664 PC": ("pc", "487", ("a",), True, False, None),
    "182(A)(1) PC": ("pc", "182", ("a", "1"), False, True, None),
    "182(A)(1) PC-CONSPIRACY: COMMIT CRIME": ("pc", "182", ("a", "1"), False, True, None),
    "182/11359 HS": ("pc", "182", (), False, True, "HS 11359"),
    "182(A)(1) PC-CONSPIRACY TO COMMIT 11359 HS": (
        *("pc", "182", ("a", "1")),
        *(False, True, "HS 11359"),
    ),
    "182 PC/11360(A) HS": ("pc", "182", (), False, True, "HS 11360(a)"),
    "647(f) PC": ("pc", "647", ("f",), False, False, None),
    "647(F) PC": ("pc", "647", ("f",), False, False, None),
    "288A PC": ("pc", "288a", (), False, False, None),
    "273AB PC": ("pc", "273ab", (), False, False, None),
    "653F PC": ("pc", "653f", (), False, False, None),
    "11357.5 HS": ("hs", "11357.5", (), False, False, None),
    # The former marijuana sections (programs/tables/predecessors.lp): read as written.
    "11530 HS-POSSESS MARIJUANA": ("hs", "11530", (), False, False, None),
    "11530.5 HS-POSSESS MARIJUANA FOR SALE": ("hs", "11530.5", (), False, False, None),
    "11531HS-SELL/FURNISH/TRANSPORT MARIJUANA": ("hs", "11531", (), False, False, None),
    "664/11531 HS": ("hs", "11531", (), True, False, None),
    "182 PC/11531 HS": ("pc", "182", (), False, True, "HS 11531"),
    "111357 HS": ("hs", "111357", (), False, False, None),
    "11357©": ("unknown", "11357", ("c",), False, False, None),
    "11357© HS": ("hs", "11357", ("c",), False, False, None),
    "594(A)-(B) (2) (A) PC": ("pc", "594", ("b", "2", "a"), False, False, None),
    "496.3(A)(2) PC": ("pc", "496.3", ("a", "2"), False, False, None),
    "CHRG 487(A)-664 PC": ("pc", "487", ("a",), True, False, None),
    "CNT 01 CHRG-484-487 (A) PC": ("pc", "487", ("a",), False, False, None),
    "484-487 (A) PC": ("pc", "487", ("a",), False, False, None),
    "11357(b) hs-possess marijuana": ("hs", "11357", ("b",), False, False, None),
    "  11357  ( C )   HS  -  POSS  ": ("hs", "11357", ("c",), False, False, None),
    "11359 HS-POSS FOR SALE-ATTEMPTED": ("hs", "11359", (), True, False, None),
    "11359 HS-ATTEMPTED": ("hs", "11359", (), True, False, None),
    "2800.1 VC-ATTEMPT TO EVADE PEACE OFFICER": ("vc", "2800.1", (), False, False, None),
    "11359 HS-1ST OFFENSE": ("hs", "11359", (), False, False, None),
    "HS 11359": ("hs", "11359", (), False, False, None),
    "H&S 11359": ("hs", "11359", (), False, False, None),
    "11357 POSSESS": ("unknown", "11357", (), False, False, None),
    "11360(A)(3)(D) HS": ("hs", "11360", ("a", "3", "d"), False, False, None),
    "290 PC-REGISTRATION OF SEX OFFENDER": ("pc", "290", (), False, False, None),
    "23152(A) VC-DUI ALCOHOL": ("vc", "23152", ("a",), False, False, None),
    "11590 HS-DRUG REGISTRATION": ("hs", "11590", (), False, False, None),
}


@pytest.mark.parametrize("text", sorted(SPELLINGS))
def test_spelling(text):
    body, section, subs, attempt, conspiracy, target = SPELLINGS[text]
    charge = normalise_charge(text)
    assert (charge.body, charge.section, charge.subsections) == (body, section, subs)
    assert (charge.attempt, charge.conspiracy) == (attempt, conspiracy)
    assert (charge.target.code_section() if charge.target else None) == target
    assert charge.raw == text.strip()


@pytest.mark.parametrize("text", ["", "   ", "SEE COMMENT FOR CHARGE", "POSS MARIJ", "(A) HS"])
def test_unparseable_keeps_raw(text):
    charge = normalise_charge(text)
    assert charge.body is None and charge.section is None and not charge.parsed
    assert charge.raw == text.strip()
    assert not (charge.attempt or charge.conspiracy or charge.target)


def test_description_keeps_its_case():
    assert normalise_charge("4149 BP - Unlicensed Sale").description == "Unlicensed Sale"


def test_canonical_text_examples():
    assert canonical_text(normalise_charge("66411357(c) HS")) == "664/11357(C) HS"
    assert canonical_text(normalise_charge("182/11359 HS")) == "182 PC/11359 HS"
    assert canonical_text(normalise_charge("664.11359")) == "664/11359"


def _key(charge):
    target = charge.target
    target_key = None if target is None else (target.body, target.section, target.subsections)
    return (
        charge.body,
        charge.section,
        charge.subsections,
        charge.attempt,
        charge.conspiracy,
        target_key,
    )


# Charge-like texts: sections, subsections, separators, bodies, prefixes and noise.
_section = st.from_regex(r"\A(664|182|[0-9]{1,8}(\.[0-9]{1,5})?[A-Za-z]{0,3})\Z")
_sub = st.from_regex(r"\A ?\( ?[A-Za-z0-9]{1,3} ?\)\Z")
_piece = st.tuples(_section, st.lists(_sub, max_size=3), st.sampled_from(["", "-"])).map(
    lambda t: t[0] + t[2].join(t[1]) if t[2] and t[1] else t[0] + "".join(t[1])
)
_body = st.sampled_from([*sorted(BODIES), "", "", "hs", "H&S", "XX"])
_glue = st.sampled_from(["/", "-", ".", " - ", "|", " "])
_tail = st.sampled_from(
    ["", "-POSSESS", " - SALE", "-ATTEMPTED", "-TO COMMIT 11359 HS", "©", " 1ST"]
)
_prefix = st.sampled_from(["", "CHRG ", "CNT 01 CHRG-", "HS ", "PC "])
charge_like = st.builds(
    lambda pre, pieces, glues, body, tail: (
        pre
        + "".join(p + g for p, g in zip(pieces, glues, strict=False))
        + (" " + body if body else "")
        + tail
    ),
    _prefix,
    st.lists(_piece, min_size=1, max_size=3),
    st.lists(_glue, min_size=3, max_size=3),
    _body,
    _tail,
)
any_text = st.one_of(st.text(), charge_like)


@given(any_text)
@example("664.664.12345")
@example("182 PC/664 HS")
@example("11357HSPC")
def test_never_raises(text):
    charge = normalise_charge(text)
    assert charge.raw == text.strip()


@given(any_text)
@example("288APC")
@example("182(A)(1) PC-CONSPIRACY TO COMMIT 664 HS")
@example("6646641234567 HS")
def test_canonical_text_is_a_fixed_point(text):
    charge = normalise_charge(text)
    again = normalise_charge(canonical_text(charge))
    assert _key(again) == _key(charge)
    assert canonical_text(again) == canonical_text(charge)
