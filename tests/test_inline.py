import pytest

from toll.models.common.errors import CorpusError
from toll.models.text.inline import parse_inline, to_inline


def test_inline_round_trip():
    markup = ("[[Gunmen|ACTOR#a1]] killed [[two guards|KILLED#c1]] in [[Kano|LOCATION]].\n"
              "=== relations ===\nc1 perpetrator a1")
    doc = parse_inline(markup)
    assert doc.text == "Gunmen killed two guards in Kano."
    assert [doc.span_text(e) for e in doc.entities] == ["Gunmen", "two guards", "Kano"]
    assert parse_inline(to_inline(doc)) == doc


def test_malformed_markup_names_the_line():
    with pytest.raises(CorpusError, match="line 2: malformed span markup"):
        parse_inline("Fine line.\nBroken [[span|KILLED line.")


def test_edge_whitespace_in_span_is_refused():
    with pytest.raises(CorpusError, match="edge whitespace"):
        parse_inline("[[ two guards|KILLED]] died.")
