import pytest

from toll.models.counts import normalize_count, victim_text


def c(value, low, high, qualifier):
    return {"value": value, "low": low, "high": high, "qualifier": qualifier}


@pytest.mark.parametrize("text, expected", [
    ("40 Taliban fighters", c(40, 40, 40, "exact")),
    ("18", c(18, 18, 18, "exact")),
    ("3,800", c(3800, 3800, 3800, "exact")),
    ("1.2 million people", c(1_200_000, 1_200_000, 1_200_000, "exact")),
    ("seven soldiers", c(7, 7, 7, "exact")),
    ("twenty-four people", c(24, 24, 24, "exact")),
    ("one hundred and twelve villagers", c(112, 112, 112, "exact")),
    ("a dozen soldiers", c(12, None, None, "approx")),
    ("half a dozen guards", c(6, None, None, "approx")),
    ("a soldier", c(1, 1, 1, "exact")),
    ("an Army officer", c(1, 1, 1, "exact")),
    ("the driver", c(1, 1, 1, "exact")),
    ("one soldier", c(1, 1, 1, "exact")),
    ("at least seven Afghan intelligence personnel", c(7, 7, None, "at_least")),
    ("more than 3,800", c(3801, 3801, None, "at_least")),
    ("more than a dozen people", c(13, 13, None, "at_least")),
    ("nearly 100 people", c(100, None, None, "approx")),
    ("about 40", c(40, None, None, "approx")),
    ("some 30 people", c(30, None, None, "approx")),
    ("an estimated 1,500 civilians", c(1500, None, None, "approx")),
    ("up to 30 people", c(30, None, 30, "at_most")),
    ("fewer than 10 civilians", c(9, None, 9, "at_most")),
    ("between 10 and 15 civilians", c(10, 10, 15, "range")),
    ("10-15 people", c(10, 10, 15, "range")),
    ("15 to 20 civilians", c(15, 15, 20, "range")),
    ("dozens of people", c(24, 24, None, "at_least")),
    ("scores of villagers", c(40, 40, None, "at_least")),
    ("hundreds", c(200, 200, None, "at_least")),
    ("thousands of civilians", c(2000, 2000, None, "at_least")),
    ("tens of thousands of people", c(20000, 20000, None, "at_least")),
    ("several people", c(3, 3, None, "at_least")),
    ("24, including mothers and infants", c(24, 24, 24, "exact")),
    ("a 12-year-old boy", c(1, 1, 1, "exact")),
    ("three 5-year-old children", c(3, 3, 3, "exact")),
    ("another 12 people", c(12, 12, 12, "exact")),
    ("both pilots", c(2, 2, 2, "exact")),
    ("all seven crew members", c(7, 7, 7, "exact")),
    ("the bodies of six gunmen", c(6, 6, 6, "exact")),
    ("the bodies of 18 more", c(18, 18, 18, "exact")),
    ("31 bodies", c(31, 31, 31, "exact")),
    ("civilians", c(None, None, None, "unknown")),
    ("police officers", c(None, None, None, "unknown")),
])
def test_normalize_count(text, expected):
    assert normalize_count(text) == expected


@pytest.mark.parametrize("text, expected", [
    # ACLED's coding: a plural unit once, "more than N" as N; everything else as the literal reading
    ("more than 3,800", c(3800, 3800, None, "at_least")),
    ("more than a dozen people", c(12, 12, None, "at_least")),
    ("dozens of people", c(12, 12, None, "at_least")),
    ("scores of villagers", c(20, 20, None, "at_least")),
    ("hundreds", c(100, 100, None, "at_least")),
    ("thousands of civilians", c(1000, 1000, None, "at_least")),
    ("tens of thousands of people", c(10000, 10000, None, "at_least")),
    ("fewer than 10 civilians", c(9, None, 9, "at_most")),
    ("several people", c(3, 3, None, "at_least")),
    ("between 10 and 15 civilians", c(10, 10, 15, "range")),
    ("a dozen soldiers", c(12, None, None, "approx")),
])
def test_normalize_count_acled_convention(text, expected):
    assert normalize_count(text, convention="acled") == expected


def test_an_unknown_convention_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown count convention 'ucdp': use one of literal, acled"):
        normalize_count("dozens", convention="ucdp")


@pytest.mark.parametrize("text, victim", [
    ("at least seven Afghan intelligence personnel", "Afghan intelligence personnel"),
    ("18", ""),
    ("a 12-year-old boy", "12-year-old boy"),
    ("twenty-four people", "people"),
    ("dozens of people", "people"),
])
def test_victim_text_drops_the_count(text, victim):
    assert victim_text(text) == victim
