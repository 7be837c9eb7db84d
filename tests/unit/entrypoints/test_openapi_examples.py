"""The request examples of the OpenAPI document show every field a client may send.

The examples are written by hand (a real-looking todo, an offset to show it is kept in
UTC); these fail when a field is added to the shapes and not to the examples.
"""

from typing import Any

import pytest
from pydantic import BaseModel

from todo_service.domain.todo import GIVEN_FIELDS
from todo_service.entrypoints.http.openapi.examples import (
    TODO_CREATE_EXAMPLES,
    TODO_PATCH_EXAMPLES,
    with_nulls,
)
from todo_service.entrypoints.http.schemas import TodoCreate, TodoPatch


def _values(examples: dict[str, Any]) -> list[dict[str, Any]]:
    return [with_nulls(example["value"]) for example in examples.values()]


def test_the_every_field_create_example_shows_every_given_field() -> None:
    assert TODO_CREATE_EXAMPLES["full"]["summary"] == "Every field"
    assert set(TODO_CREATE_EXAMPLES["full"]["value"]) == set(GIVEN_FIELDS)


def test_the_patch_examples_between_them_show_every_field_the_patch_takes() -> None:
    shown = {name for value in _values(TODO_PATCH_EXAMPLES) for name in value}
    assert shown == set(TodoPatch.model_fields)
    assert shown <= set(GIVEN_FIELDS)


@pytest.mark.parametrize(
    ("model", "examples"), [(TodoCreate, TODO_CREATE_EXAMPLES), (TodoPatch, TODO_PATCH_EXAMPLES)]
)
def test_every_request_example_is_a_valid_request(
    model: type[BaseModel], examples: dict[str, Any]
) -> None:
    for value in _values(examples):
        model.model_validate(value)
