"""The quota counts every field of user text: QUOTA_TEXT_FIELDS names each of them.

The text fields are read from NewTodo's type annotations, so a field of user text
added to the shapes (tags, say) fails here until the quota counts it.
"""

from uuid import uuid4

import pytest

from tests.contract.quota_text import (
    holds_user_text,
    quota_texts,
    user_text_fields,
    utf8_bytes,
)
from tests.factories import ALICE, T0
from todo_service.domain import NewTodo, Priority, Todo, TodoChanges
from todo_service.domain.quota import QUOTA_TEXT_FIELDS, text_bytes
from todo_service.domain.todo import GIVEN_FIELDS, Unset


def test_the_quota_counts_exactly_the_fields_that_hold_a_users_text() -> None:
    assert sorted(QUOTA_TEXT_FIELDS) == sorted(user_text_fields(NewTodo))


def test_every_quota_text_field_is_given_by_the_user_and_held_by_the_todo() -> None:
    assert set(QUOTA_TEXT_FIELDS) <= set(GIVEN_FIELDS)
    assert set(QUOTA_TEXT_FIELDS) <= set(user_text_fields(Todo))


@pytest.mark.parametrize(
    ("annotation", "is_text"),
    [
        (str, True),
        (str | None, True),
        (str | Unset | None, True),
        (tuple[str, ...], True),
        (frozenset[str] | None, True),
        (list[str], True),
        (Priority, False),  # a StrEnum: the service's words
        (bool, False),
        (int | None, False),
        (tuple[int, ...], False),
    ],
)
def test_user_text_is_told_from_its_type(annotation: object, *, is_text: bool) -> None:
    # The guard above is only as good as this reading of the annotations.
    assert holds_user_text(annotation) is is_text


def test_a_todos_text_is_every_quota_text_field_in_utf8_bytes() -> None:
    new = NewTodo(**quota_texts(NewTodo, repeat=3))
    todo = Todo.create(uuid4(), ALICE, new, T0)

    expected = sum(utf8_bytes(getattr(new, name)) for name in QUOTA_TEXT_FIELDS)
    assert text_bytes(new) == text_bytes(todo) == expected
    # Each field counts on its own: clearing or shortening any one changes the total.
    for name, value in quota_texts(TodoChanges, repeat=1).items():
        shorter = todo.changed(TodoChanges(**{name: value}), T0)
        assert text_bytes(shorter) == expected - utf8_bytes(getattr(todo, name)) + utf8_bytes(value)
