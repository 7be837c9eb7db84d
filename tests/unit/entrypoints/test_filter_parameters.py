"""Every list filter (each field of TodoFilters) is reachable from the query string, and
its value is validated there: a filter the query parameters leave out, or let through
unchecked, fails here for that field.

Through FastAPI's own reading of a query string, over the two models the routes take
(`TodoListQuery` for the list, `TodoSelection` for the bulk actions).
"""

from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, HTTPException, Query
from fastapi.testclient import TestClient

from tests.shapes import field_types, two_values
from todo_service.application import TodoFilters
from todo_service.domain import InvalidValueError
from todo_service.entrypoints.http.parameters import (
    TodoFilterQuery,
    TodoListQuery,
    TodoSelection,
)

FILTERS = [field.name for field in fields(TodoFilters)]
# No filter takes a NUL: not a boolean, a priority, an instant, nor (being stored nowhere
# and refused by PostgreSQL) a text to search for.
NEVER_A_FILTER = "\x00"


def _filters(query: TodoFilterQuery) -> dict[str, Any]:
    try:
        filters = query.to_filters()
    except InvalidValueError as error:
        raise HTTPException(422, str(error)) from None
    return {field.name: repr(getattr(filters, field.name)) for field in fields(filters)}


app = FastAPI()


@app.get("/list")
def listed(query: Annotated[TodoListQuery, Query()]) -> dict[str, Any]:
    return _filters(query)


@app.get("/selection")
def selected(query: Annotated[TodoSelection, Query()]) -> dict[str, Any]:
    return _filters(query)


client = TestClient(app)


def _parameter(name: str) -> str:
    """The query parameter of filter `name` (`q` for title_contains)."""
    field = TodoFilterQuery.model_fields.get(name)
    assert field is not None, f"TodoFilterQuery has no parameter for the filter {name}"
    return field.alias or name


def _on_the_wire(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@pytest.mark.parametrize("path", ["/list", "/selection"])
@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_is_read_from_the_query_string(path: str, name: str) -> None:
    value, _ = two_values(field_types(TodoFilters)[name])

    response = client.get(path, params={_parameter(name): _on_the_wire(value)})

    assert response.status_code == 200, response.text
    assert response.json() == {
        **{other: repr(None) for other in FILTERS},
        name: repr(getattr(TodoFilters(**{name: value}), name)),
    }


@pytest.mark.parametrize("path", ["/list", "/selection"])
@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_refuses_a_value_it_cannot_take(path: str, name: str) -> None:
    response = client.get(path, params={_parameter(name): NEVER_A_FILTER})
    assert response.status_code == 422, response.text
