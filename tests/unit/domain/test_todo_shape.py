"""The user-given fields are declared on NewTodo, TodoChanges and Todo, with one rule each.

These fail when a field is added to one of them and not the others, so that
`Todo.create` and `Todo.changed` (which iterate the rules) cannot skip it silently.
"""

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

import pytest

from tests.factories import T0, make_todo
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


# Values of every kind a field might be handed: each given field's rule refuses some.
_CANDIDATES: list[object] = [
    "",
    " padded ",
    "x" * 6000,
    "a\x00b",
    "yes",
    "urgent",
    None,
    1,
    -(2**60),
    2**60,
    1.5,
    datetime(2026, 12, 1),  # noqa: DTZ001 - naive on purpose
    T0,
]


def _refuses(parse: Callable[[Any], object], value: object) -> bool:
    try:
        parse(value)
    except InvalidValueError:
        return True
    except Exception:  # a value of a type the rule is not written for
        return False
    return False


@pytest.mark.parametrize("name", list(GIVEN_FIELDS))
def test_a_todo_refuses_what_its_fields_rule_refuses(name: str) -> None:
    """The constructor checks every given field by its rule: a new field too."""
    todo = make_todo()
    refused = [value for value in _CANDIDATES if _refuses(GIVEN_FIELDS[name], value)]
    assert refused, f"no candidate value breaks the rule of {name}: add one above"
    for value in refused:
        broken: dict[str, Any] = {name: value}
        with pytest.raises(InvalidValueError) as caught:
            replace(todo, **broken)
        assert caught.value.field == name, value
