"""PUBLIC_BASE_URL: where each todo's `url` points, checked at start-up like the origins."""

import uuid

import pytest
from pydantic import ValidationError

from tests.factories import ALICE, T0
from todo_service.domain import NewTodo, Todo
from todo_service.entrypoints.http.links import TodoLinks
from todo_service.entrypoints.settings import Settings, one_line

TODO = Todo.create(uuid.UUID(int=7), ALICE, NewTodo(title="x"), T0)


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", "8000", "http://127.0.0.1:8000"),
        ("localhost", "9000", "http://localhost:9000"),
        ("::1", "8080", "http://[::1]:8080"),
    ],
)
def test_unset_it_is_the_address_serve_listens_on(
    monkeypatch: pytest.MonkeyPatch, host: str, port: str, expected: str
) -> None:
    monkeypatch.setenv("HOST", host)
    monkeypatch.setenv("PORT", port)
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    assert Settings().base_url == expected


@pytest.mark.parametrize(
    "value",
    ["https://todo.example.com", "http://127.0.0.1:8000", "https://example.com/todo/v1"],
)
def test_an_exact_base_url_is_taken_as_it_is(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", value)
    assert Settings().base_url == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("https://todo.example.com/", "is not a base URL"),
        ("https://todo.example.com?next=1", "is not a base URL"),
        ("https://todo.example.com#top", "is not a base URL"),
        ("https://user@todo.example.com", "is not a base URL"),
        ("todo.example.com", "is not a base URL"),
        ("ftp://todo.example.com", "is not a base URL"),
        ("HTTPS://Todo.Example.com", "is not a base URL"),
        ("https://todo.example.com:443", "is not a base URL"),
        ("https://todo.example.com/a b", "is not a base URL"),
        ("https://todo.example.com:65536", "has a port past 65535"),
    ],
)
def test_anything_else_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    line = one_line(refused.value)
    assert line.startswith("PUBLIC_BASE_URL: Value error, ")
    assert message in line
    assert "\n" not in line


def test_a_link_is_the_base_url_then_the_todos_path() -> None:
    sut = TodoLinks("https://example.com/todo")
    assert sut.url(TODO) == f"https://example.com/todo/api/todos/{TODO.id}"
    assert sut.path(TODO.id) == f"/todo/api/todos/{TODO.id}"
