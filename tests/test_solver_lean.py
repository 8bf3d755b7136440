"""Lean answer reading parses printed atoms exactly as the symbol API reads them."""

import clingo
import pytest

from cmr_reason.reasoner.engine.solver import (
    _ATOM,
    _as_args,
    _as_value,
    _parse_terms,
    _split_atom,
    to_args,
    to_value,
)

TERMS = [
    "outcome(presumed,not_eligible,two_priors)",
    "outcome(alt(sale_or_more_than_28_5_grams),review,attempt)",
    "(count(2),)",
    "()",
    '(charge(pc,"496"),source("tables/x.lp"))',
    "(age(25),date(20100301))",
    '"a \\"quoted\\" \\\\ back\\nslash, (paren)"',
    "-17",
    'f(1,(2,3),g,"h")',
    '(prior("1:001002001000"),clause(viii),prior_date(19900101))',
    '(county("LOS ANGELES"),scope("ORANGE"))',
]


@pytest.mark.parametrize("text", TERMS)
def test_parsed_text_equals_symbol_api(text):
    symbol = clingo.parse_term(text)
    (parsed,) = _parse_terms(str(symbol))
    assert _as_value(parsed) == to_value(symbol)
    if symbol.type is clingo.SymbolType.Function and symbol.name == "":
        assert _as_args(parsed) == to_args(symbol)


def test_several_terms_in_a_row():
    text = '"p64.date.arrest",offence_date(20090717),(date(20090717),)'
    rule_id, conclusion, args = _parse_terms(text)
    assert rule_id == "p64.date.arrest"
    assert _as_value(conclusion) == ("offence_date", 20090717)
    assert _as_args(args) == (("date", 20090717),)


def test_fast_model_texts_equal_str_of_symbols():
    from cmr_reason.reasoner.engine.solver import _texts_fast, _texts_plain

    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], 'p("a \\\\ \\"b\\"", (1,), f(x, "y")). q(-3). r("' + "z" * 2000 + '").')
    ctl.add("base", [], "#show p/3. #show q/1. #show r/1.")
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        model = next(iter(handle))
        assert _texts_fast(model) == _texts_plain(model)
        assert len(_texts_fast(model)) == 3


def test_fast_model_texts_grow_the_buffer_for_long_atoms():
    """Atoms longer than the buffer, between short ones, each whole and in order."""
    from cmr_reason.reasoner.engine.solver import _texts_fast, _texts_plain

    ctl = clingo.Control(["--warn=none"])
    facts = " ".join(f'r({i}, "{"z" * (i * 300)}").' for i in range(12))  # up to 3,300
    ctl.add("base", [], facts + ' q("") . #show r/2. #show q/1.')
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        model = next(iter(handle))
        texts = _texts_fast(model)
        assert texts == _texts_plain(model)
    assert sorted(len(t) for t in texts if t.startswith("r(")) == [
        len(f'r({i},"{"z" * (i * 300)}")') for i in range(12)
    ]


ATOMS = [
    'result("1:001002001000",dismiss_and_seal,now_lawful,"p64.dismiss.now_lawful")',
    'cannabis_case("1:001002")',
    'fired("c1","p64.age.21_plus",tier(age_21_plus),(age(25),date(20100301)))',
    'flag("a \\"quoted\\" id",deceased)',
    'internal_error("p64.x",rule_without_rank)',
    "internal_error(c1,no_decision)",
    'f("x")',
    'foo(bar("x"))',
    'alternative("c1",review,more_than_28_5_grams)',
    'x("c1")y',
]


@pytest.mark.parametrize("text", ATOMS)
def test_split_atom_agrees_with_the_pattern(text):
    match = _ATOM.match(text)
    assert _split_atom(text) == (None if match is None else match.groups())


ATOMS = [
    'result("1:001002001000",dismiss_and_seal,now_lawful,"p64.a",dismiss_and_seal,now_lawful,'
    '"p64.a",removed)',
    'fired("1:001002001000","p64.a",outcome(presumed,dismiss_and_seal,now_lawful),(age(25),))',
    'fired("1:001002001000","p64.b",outcome(alt(weight),review,attempt),())',
    'fired("1:001002001000","p64.c",tier(age_21_plus),(date(20100301),))',
    'flag("1:001002001000",offence_date_from_arrest)',
    'cannabis_related("1:001002001000")',
    'cannabis_case("1:001002")',
    'sealable_case("1:001002")',
    'record_before("1:001002001000",misdemeanor)',
    'alternative("1:001002001000",review,weight)',
    'prosecuting_agency("1:001002001000","District Attorney")',
    'fired("a\\"b:001002001000","p64.a",outcome(presumed,review,x),(note("q\\"r"),))',
    'flag("a\\"b:001002001000",x)',
    'cannabis_case("a\\\\b:001002")',
    "internal_error(x,y)",
    'internal_error("1:001002001000",two_decisions)',
    'flag("2:001002001000")',
    'fired("2:001002001000")',
    'cannabis_related("2:001002001000",extra)',
    'other("3:001002001000",1,2)',
    'fired("1:001002001000","r425.elig",remedy_outcome(pc1203_425,eligible,completed),())',
    'fired("1:001002001000","r425.chk",remedy_check(pc1203_425,sentence,done),(date(2012),))',
    'remedy_decision(pc1203_425,"1:001002001000",eligible,completed)',
    'missing_fact(pc1203_4,"1:001002001000",sentence_completed)',
]


def test_inline_reading_equals_one_atom_at_a_time():
    """``absorb_all`` (the frequent atoms split inline) reads what ``absorb`` reads."""
    from cmr_reason.reasoner.engine.solver import SolveResult, _LeanReader

    one, many = SolveResult(), SolveResult()
    reader = _LeanReader()
    for text in ATOMS:
        reader.absorb(text, one)
    _LeanReader().absorb_all(ATOMS, many)
    for result in (one, many):
        for decision in result.decisions.values():
            decision.sort()
    assert many.decisions == one.decisions
    assert many.cannabis_cases == one.cannabis_cases == {"1:001002", "a\\b:001002"}
    assert many.sealable_cases == one.sealable_cases
    assert many.internal_errors == one.internal_errors
    assert many.remedy_texts == one.remedy_texts and len(one.remedy_texts) == 2
    # a remedy's firings are set apart from the Prop 64 decision's
    assert many.remedy_firings == one.remedy_firings and len(one.remedy_firings) == 2
    assert one.decisions["1:001002001000"].outcome == "dismiss_and_seal"
    assert len(one.decisions["1:001002001000"].firings) == 2  # the alt branch is not kept


FIRINGS = [
    '"p64.date.arrest",offence_date(20090717),(date(20090717),)',
    '"p64.age.21_plus",tier(age_21_plus),(age(25),date(20100301))',
    '"p64.old.11359",old_conduct(possession_for_sale),()',
    '"p64.a",outcome(presumed,dismiss_and_seal,now_lawful),(age(-3),)',
    '"p64.a",sentence,(note("a, (b)"),prior("1:001002001000"),x(y\'))',
    '"p64.a",f(1,-2,c_d),(n(0),)',
    # not the common shape: the general parser reads these
    '"p64.b",outcome(alt(weight),review,attempt),()',
    '"p64.b",outcome(presumed,review,x),(note("q\\"r"),)',
    '"a\\"b",c,()',
    '"p64.c",c,(pair(1,2),)',
    '"p64.c",c,(Upper(1),)',
    '"p64.c",c,(x,)',
    '"p64.c",c,(t((1,2)),)',
    '"p64.c",c,(a(1),b(2),)',
    '"p64.c",f("s"),(a(1),)',
    '"p64.c",c,(a(1)b(2))',
]


@pytest.mark.parametrize("text", FIRINGS)
def test_fast_firing_equals_the_general_parser(text):
    """A firing in the common shape parses as the general tokenizer parses it."""
    from cmr_reason.reasoner.engine.decision import Firing
    from cmr_reason.reasoner.engine.solver import _fast_firing

    rule_id, conclusion, args = _parse_terms(text)
    general = Firing(rule_id, _as_value(conclusion), _as_args(args))
    fast = _fast_firing(text)
    assert fast is None or fast == general
    assert (fast is None) == (FIRINGS.index(text) >= 6)


def _solved_texts(people: int, seed: int) -> list[str]:
    """The shown atoms of a synthetic ``los-angeles-2020`` batch with 5 % damaged rows."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    from cmr_reason.facts.history_reader import read_histories
    from cmr_reason.facts.synth.generator import write_file
    from cmr_reason.reasoner.engine import solver
    from cmr_reason.reasoner.engine.program_set import load_program_set

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synth.csv"
        write_file(path, people, seed=seed, malformed_rate=0.05)
        histories = list(read_histories([path]))
    programs = load_program_set("los-angeles-2020")
    facts = solver.batch_facts(histories) + solver.settings_facts(dt.date(2020, 7, 1))
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], programs.bulk_program)
    ctl.add("base", [], facts)
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        return solver.shown_texts(next(iter(handle)))


def test_fast_firing_on_a_solved_batch():
    """Every firing of a synthetic batch with damaged rows: the fast parse, where it reads
    one, equals the general one, and it reads nearly all of them."""
    from cmr_reason.reasoner.engine import solver
    from cmr_reason.reasoner.engine.decision import Firing

    texts = _solved_texts(150, 11)
    rests = {t.split('",', 1)[1][:-1] for t in texts if t.startswith("fired(")}
    fast = 0
    for rest in rests:
        rule_id, conclusion, args = _parse_terms(rest)
        found = solver._fast_firing(rest)
        if found is not None:
            fast += 1
            assert found == Firing(rule_id, _as_value(conclusion), _as_args(args)), rest
    assert len(rests) > 300 and fast > 0.9 * len(rests)


def _model_texts(program: str, context: object = None) -> tuple[list[str], list[str]]:
    """A program's shown atoms as :func:`_texts_fast` and :func:`_texts_plain` print them."""
    from cmr_reason.reasoner.engine.solver import _texts_fast, _texts_plain

    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], program)
    ctl.ground([("base", [])], context=context)
    with ctl.solve(yield_=True) as handle:
        model = next(iter(handle))
        return _texts_fast(model), _texts_plain(model)


@pytest.mark.parametrize("extra", [0, 1, 2])
def test_fast_model_texts_in_chunks_of_many_atoms(extra):
    """Several chunks, the last of one, two or a full chunk's atoms; strings with escapes."""
    from cmr_reason.reasoner.engine.solver import _CHUNK

    count = 3 * _CHUNK + extra - 3  # with the three q/2 atoms: a last chunk of 0, 1 or 2
    program = (
        f'p(1..{count}, "a \\\\ \\"b\\",\\n(c)", f(x, (1,)), -2). '
        f'q(N, "{"z" * 3000}") :- N = 1..3. #show p/4. #show q/2.'
    )
    fast, plain = _model_texts(program)
    assert len(plain) == 3 * _CHUNK + extra
    assert fast == plain


class _LineFeedNames:
    """Terms whose printed text holds a line feed, as only the API can make them."""

    @staticmethod
    def odd() -> list[clingo.Symbol]:
        names = ["a\n,b", "c,\n", "\n", "d,\n,e"]
        return [clingo.Function(name) for name in names]


def test_fast_model_texts_of_names_with_line_feeds():
    """A chunk whose text holds a line feed besides its markers is printed atom by atom.

    Without that check (``count("\\n")`` in ``_Printer.chunk``) the atoms are cut wrongly.
    """
    fast, plain = _model_texts("p(1..20). q(@odd). #show p/1. #show q/1.", _LineFeedNames())
    assert any("\n" in text for text in plain)
    assert fast == plain


# Firings in the order a reader meets them: the first of each rule with integers is parsed and
# made a template, the rule's others read through it where they equal it outside its integers.
SHAPED = [
    '"p64.date.arrest",offence_date(20090717),(date(20090717),)',
    '"p64.date.arrest",offence_date(20100101),(date(20100102),)',
    '"p64.date.arrest",offence_date(-2010010),(date(20100102),)',
    '"p64.date.arrest",offence_date(-2010010),(date(-2010010),)',
    '"p64.old.11359",old_conduct(possession_for_sale),(date(20100101),)',
    '"p64.old.11358",old_conduct(possession_for_sale),(date(20100101),)',  # another rule
    '"p64.old.11358",old_conduct(possession_for_sale),(date(20110101),)',
    '"p64.scope.x",outcome(presumed,a,b),(charge("11364"),date(20100101))',
    '"p64.scope.x",outcome(presumed,a,b),(charge("11350"),date(20100101))',  # another string
    '"p64.scope.x",outcome(presumed,a,b),(charge("11350"),date(20120101))',
    '"p64.n",f(1,2,c_1),(n("(5)"),m(3))',  # a string that looks like an integer term
    '"p64.n",f(3,4,c_1),(n("(6)"),m(7))',
    '"p64.n",f(3,4,c_2),(n("(5)"),m(7))',
    '"p64.age.21_plus",tier(age_21_plus),(age(25),date(20100301))',
    '"p64.age.21_plus",tier(age_21_plus),(age(31),date(19991231))',
    '"p64.age.21_plus",tier(age_31_plus),(age(31),date(19991231))',
    '"p64.age.21_plus",tier(age_21_plus),(age(9),date(19991231))',  # another length
    '"p64.age.21_plus",tier(age_21_plus),(age(-9),date(19991231))',
    '"p64.date.arrest",offence_date(x2009071),(date(20090717),)',  # a name, not an integer
    '"p64.sentence",sentence(completed),(end(20200101),)',
    '"p64.sentence",sentence(completed),(end(20200101),)',
]


def _filled(reader, rest: str) -> bool:
    """Whether the reader's template for the rule of ``rest`` reads it."""
    template = reader.templates.get(rest[: rest.find('",')])
    return template is not None and template.fill(rest) is not None


def test_firings_read_through_templates_equal_the_general_parser():
    """Each text read by one reader, in order, is the firing the general tokenizer reads.

    Fails when ``_Template.fill`` does not check the text outside its integers (another rule
    id or string of the same length would take the template's).
    """
    from cmr_reason.reasoner.engine.decision import Firing
    from cmr_reason.reasoner.engine.solver import _LeanReader

    reader = _LeanReader()
    for text in SHAPED:
        rule_id, conclusion, args = _parse_terms(text)
        general = Firing(rule_id, _as_value(conclusion), _as_args(args))
        found = reader.firing(text)
        assert found == general, text
        assert (found.kind, found.branch) == (general.kind, general.branch)
    assert len(reader.templates) == 6  # not "p64.n": its string holds an integer term
    filled = [text for text in SHAPED if _filled(reader, text)]
    assert len(filled) >= 9


def test_firings_of_a_solved_batch_read_through_templates():
    """Every distinct firing of a synthetic batch with damaged rows, in the answer's order,
    read by one reader equals the general parse (alternative branches: None)."""
    from cmr_reason.reasoner.engine import solver
    from cmr_reason.reasoner.engine.decision import Firing

    texts = _solved_texts(300, 13)
    rests = list(dict.fromkeys(t.split('",', 1)[1][:-1] for t in texts if t.startswith("fired(")))
    reader = solver._LeanReader()
    for rest in rests:
        rule_id, conclusion, args = _parse_terms(rest)
        general = Firing(rule_id, _as_value(conclusion), _as_args(args))
        found = reader.firing(rest)
        if general.branch in (None, "presumed"):
            assert found == general, rest
            assert (found.kind, found.branch) == (general.kind, general.branch)
        else:
            assert found is None
    templated = sum(_filled(reader, rest) for rest in rests)
    assert len(rests) > 800 and templated > len(rests) / 2
