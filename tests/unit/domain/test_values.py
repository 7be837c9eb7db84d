from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from todo_service.domain import InvalidValueError, Priority
from todo_service.domain.values import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    parse_description,
    parse_instant,
    parse_priority,
    parse_title,
)

CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"]
valid_title_chars = st.characters(
    blacklist_categories=["Cs", "Zs", "Zl", "Zp", "Cc"], blacklist_characters=CONTROL
)
valid_titles = st.text(valid_title_chars, min_size=1, max_size=TITLE_MAX_LENGTH)
padding = st.text(st.sampled_from(" \t\n\r\u3000"), max_size=5)


@given(title=valid_titles, left=padding, right=padding)
def test_any_valid_title_round_trips_after_stripping(title: str, left: str, right: str) -> None:
    assert parse_title(left + title + right) == title


@pytest.mark.parametrize("blank", ["", " ", "\t\n ", "\u3000"])
def test_a_blank_title_is_refused(blank: str) -> None:
    with pytest.raises(InvalidValueError, match="title must not be blank"):
        parse_title(blank)


def test_a_title_of_200_characters_is_accepted_and_201_refused() -> None:
    assert parse_title("x" * TITLE_MAX_LENGTH) == "x" * TITLE_MAX_LENGTH
    with pytest.raises(InvalidValueError, match="at most 200"):
        parse_title("x" * (TITLE_MAX_LENGTH + 1))


def test_surrounding_whitespace_does_not_count_towards_the_length() -> None:
    assert parse_title("  " + "x" * TITLE_MAX_LENGTH + "  ") == "x" * TITLE_MAX_LENGTH


@pytest.mark.parametrize("control", CONTROL)
def test_control_characters_inside_a_title_are_refused(control: str) -> None:
    with pytest.raises(InvalidValueError):
        parse_title(f"a{control}b")


def test_lone_surrogates_are_refused_everywhere_text_is_stored() -> None:
    with pytest.raises(InvalidValueError, match="valid Unicode"):
        parse_title("a\ud800b")
    with pytest.raises(InvalidValueError, match="valid Unicode"):
        parse_description("a\udfffb")


def test_sql_looking_text_is_just_text() -> None:
    title = "'); DROP TABLE todos; --"
    assert parse_title(title) == title


def test_a_description_may_be_none_or_up_to_5000_characters() -> None:
    assert parse_description(None) is None
    assert parse_description("") == ""
    assert parse_description("y" * DESCRIPTION_MAX_LENGTH) == "y" * DESCRIPTION_MAX_LENGTH
    with pytest.raises(InvalidValueError, match="at most 5000"):
        parse_description("y" * (DESCRIPTION_MAX_LENGTH + 1))


def test_a_description_keeps_newlines_but_refuses_nul() -> None:
    assert parse_description("line one\nline two") == "line one\nline two"
    with pytest.raises(InvalidValueError, match="NUL"):
        parse_description("a\x00b")


def test_priorities_are_ordered_by_meaning_not_alphabetically() -> None:
    ranked = sorted(Priority, key=lambda p: p.rank)
    assert ranked == [Priority.LOW, Priority.MEDIUM, Priority.HIGH]
    assert sorted(p.value for p in Priority) != [p.value for p in ranked]


def test_an_unknown_priority_is_refused_with_the_choices() -> None:
    assert parse_priority("high") is Priority.HIGH
    with pytest.raises(InvalidValueError, match="low, medium, high"):
        parse_priority("urgent")


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="due_at must include a timezone offset"):
        parse_instant("due_at", datetime(2026, 11, 25, 9, 30))  # noqa: DTZ001


fixed_offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)


# Fixed offsets: with zoneinfo, Python never calls a time inside a DST gap or fold
# equal to any instant of another zone, which would make the comparison meaningless.
@given(st.datetimes(timezones=fixed_offsets))
def test_every_aware_timestamp_is_normalised_to_the_same_instant_in_utc(moment: datetime) -> None:
    try:
        parsed = parse_instant("due_at", moment)
    except InvalidValueError:
        return  # out of range once expressed in UTC (year 1 or 9999 at the edge)
    assert parsed.tzinfo is UTC
    assert parsed == moment


def test_an_offset_is_converted_not_dropped() -> None:
    moment = datetime(2026, 11, 25, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert parse_instant("due_at", moment) == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert parse_instant("due_at", moment).hour == 9


def test_a_timestamp_that_overflows_in_utc_is_refused_not_crashed() -> None:
    edge = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    with pytest.raises(InvalidValueError, match="out of range"):
        parse_instant("due_at", edge)
