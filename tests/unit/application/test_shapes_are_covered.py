"""What is derived from a shape covers every field of it, the next one too.

Each test walks the fields of the shape it guards: remove a field from the cursor
scope or the fingerprint by hand and one of these fails for that field.
"""

import hashlib
import json
from dataclasses import fields, replace
from typing import Any
from uuid import uuid4

import pytest

from tests.factories import ALICE, CURSOR_SECRET, T0
from tests.shapes import field_types, two_values
from todo_service.application.cursors import CursorCodec
from todo_service.application.idempotency import is_same_request, request_fingerprint
from todo_service.application.listing import Position, Sort, TodoFilters
from todo_service.domain import InvalidValueError, NewTodo, Priority

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


def _created(new: NewTodo) -> NewTodo:
    """A create request as the fingerprint sees it: parsed."""
    return new.parsed()


@pytest.mark.parametrize("name", GIVEN)
def test_a_create_request_differing_in_one_field_has_another_fingerprint(name: str) -> None:
    first, second = two_values(field_types(NewTodo)[name])
    base = NewTodo(title="Buy milk")
    one, other = _created(replace(base, **{name: first})), _created(replace(base, **{name: second}))

    assert request_fingerprint(one) != request_fingerprint(other)
    assert is_same_request(request_fingerprint(one), one)
    assert not is_same_request(request_fingerprint(one), other)


def test_the_fingerprint_names_exactly_the_fields_of_a_create_request() -> None:
    fingerprint = request_fingerprint(_created(NewTodo(title="Buy milk")))
    assert list(json.loads(fingerprint.removeprefix("f:"))) == sorted(GIVEN)


def _without(fingerprint: str, name: str) -> str:
    digests = json.loads(fingerprint.removeprefix("f:"))
    del digests[name]
    return "f:" + json.dumps(digests)


@pytest.mark.parametrize("name", GIVEN)
def test_a_key_recorded_before_a_field_existed_still_matches_an_honest_retry(name: str) -> None:
    todo = _created(NewTodo(title="Buy milk", description="Oat"))
    recorded_earlier = _without(request_fingerprint(todo), name)
    other = "title" if name != "title" else "description"  # a field the record still names
    assert is_same_request(recorded_earlier, todo)
    changed: dict[str, Any] = {other: "something else"}
    assert not is_same_request(recorded_earlier, replace(todo, **changed))


def test_a_field_only_a_newer_release_knows_is_left_out_of_the_comparison() -> None:
    todo = _created(NewTodo(title="Buy milk"))
    digests = json.loads(request_fingerprint(todo).removeprefix("f:"))
    recorded_by_newer = "f:" + json.dumps({**digests, "a_later_field": "0123456789abcdef"})
    assert is_same_request(recorded_by_newer, todo)


def test_a_key_recorded_before_fingerprints_named_their_fields_still_matches() -> None:
    todo = _created(NewTodo(title="Buy milk", priority=Priority.HIGH, due_at=T0))
    values = [todo.title, todo.description, "high", T0.isoformat(), False]
    unnamed = hashlib.sha256(json.dumps(values).encode()).hexdigest()
    assert is_same_request(unnamed, todo)
    assert not is_same_request(unnamed, replace(todo, title="Buy bread"))
