"""What is derived from a shape covers every field of it, the next one too.

Each test walks the fields of the shape it guards: remove a field from the cursor
scope or the fingerprint by hand and one of these fails for that field.
"""

from dataclasses import fields, replace
from uuid import uuid4

import pytest

from tests.factories import ALICE, CURSOR_SECRET, T0
from tests.shapes import field_types, two_values
from todo_service.application.cursors import CursorCodec
from todo_service.application.idempotency import (
    CURRENT_FINGERPRINT,
    FINGERPRINT_VERSIONS,
    is_same_request,
    request_fingerprint,
)
from todo_service.application.listing import Position, Sort, TodoFilters
from todo_service.domain import InvalidValueError, NewTodo, Todo

FILTERS = [field.name for field in fields(TodoFilters)]
GIVEN = [field.name for field in fields(NewTodo)]
codec = CursorCodec(CURSOR_SECRET)
AFTER = Position(T0, uuid4())


@pytest.mark.parametrize("name", FILTERS)
def test_a_cursor_for_one_value_of_a_filter_is_refused_for_another(name: str) -> None:
    first, second = two_values(field_types(TodoFilters)[name])
    issued_for, replayed_with = TodoFilters(**{name: first}), TodoFilters(**{name: second})
    cursor = codec.encode(ALICE, issued_for, Sort(), AFTER)

    assert codec.decode(cursor, ALICE, issued_for, Sort()) == AFTER
    with pytest.raises(InvalidValueError, match="cursor"):
        codec.decode(cursor, ALICE, replayed_with, Sort())


def _created(new: NewTodo) -> Todo:
    return Todo.create(AFTER.id, ALICE, new, T0)


@pytest.mark.parametrize("name", GIVEN)
def test_a_create_request_differing_in_one_field_has_another_fingerprint(name: str) -> None:
    first, second = two_values(field_types(NewTodo)[name])
    base = NewTodo(title="Buy milk")
    one, other = _created(replace(base, **{name: first})), _created(replace(base, **{name: second}))

    assert request_fingerprint(one) != request_fingerprint(other)
    assert is_same_request(request_fingerprint(one), one)
    assert not is_same_request(request_fingerprint(one), other)


def test_the_current_fingerprint_covers_exactly_the_fields_of_a_create_request() -> None:
    assert FINGERPRINT_VERSIONS[CURRENT_FINGERPRINT - 1] == tuple(GIVEN)


def test_a_key_recorded_before_a_new_version_still_matches_an_honest_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    todo = _created(NewTodo(title="Buy milk", description="Oat"))
    recorded_by_version_1 = request_fingerprint(todo)
    next_version = (*FINGERPRINT_VERSIONS, (*GIVEN, "version"))
    monkeypatch.setattr("todo_service.application.idempotency.FINGERPRINT_VERSIONS", next_version)
    monkeypatch.setattr("todo_service.application.idempotency.CURRENT_FINGERPRINT", 2)

    recorded_now = request_fingerprint(todo)
    assert recorded_now.startswith("2:")
    assert len(recorded_now) == 64
    assert is_same_request(recorded_by_version_1, todo)
    assert is_same_request(recorded_now, todo)
    assert not is_same_request(recorded_by_version_1, replace(todo, title="Buy bread"))


def test_a_key_recorded_by_a_newer_release_is_not_taken_for_the_same_request() -> None:
    todo = _created(NewTodo(title="Buy milk"))
    digest = request_fingerprint(todo)
    assert not is_same_request(f"{CURRENT_FINGERPRINT + 1}:{digest[:62]}", todo)
