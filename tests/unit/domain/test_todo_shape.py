"""The user-given fields are declared on NewTodo, TodoChanges and Todo, with one rule each.

These fail when a field is added to one of them and not the others, so that
`Todo.create` and `Todo.changed` (which iterate the rules) cannot skip it silently.
"""

from dataclasses import fields

import pytest

from todo_service.domain import InvalidValueError, NewTodo, Todo, TodoChanges
from todo_service.domain.todo import GIVEN_FIELDS


def _names(cls: type) -> list[str]:
    return [field.name for field in fields(cls)]


def test_new_todo_and_todo_changes_name_the_same_fields_in_the_same_order() -> None:
    assert _names(NewTodo) == _names(TodoChanges)


def test_every_given_field_has_exactly_one_rule() -> None:
    assert list(GIVEN_FIELDS) == _names(NewTodo)


def test_every_given_field_is_a_field_of_the_todo() -> None:
    assert set(_names(NewTodo)) <= set(_names(Todo))


def test_completed_must_be_a_boolean_from_any_caller() -> None:
    with pytest.raises(InvalidValueError, match="completed must be true or false"):
        GIVEN_FIELDS["completed"]("yes")
