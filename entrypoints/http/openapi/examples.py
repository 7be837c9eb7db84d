from typing import Any

from todo_service.entrypoints.http.schemas import OPENAPI_NULL, TODO_EXAMPLE

PAGE_EXAMPLE: dict[str, Any] = {
    "items": [TODO_EXAMPLE],
    "total": 1,
    "limit": 20,
    "offset": 0,
    "next_cursor": OPENAPI_NULL,
}
USER_EXAMPLE: dict[str, Any] = {
    "id": "alice",
    "email": "alice@example.com",
    "name": "Alice",
    "created_at": TODO_EXAMPLE["created_at"],
}
TODO_CREATE_EXAMPLES: dict[str, Any] = {
    "minimal": {"summary": "Only a title", "value": {"title": "Buy milk"}},
    "full": {
        "summary": "Every field",
        "value": {
            "title": "Buy milk",
            "description": "Oat, 2 litres",
            "priority": "high",
            "due_at": "2026-11-27T17:00:00+01:00",
            "completed": False,
            "order": 65536,
        },
    },
}
# Between them, the PATCH examples show every field TodoPatch takes; the "full" create
# example shows every field a user gives (tests/unit/entrypoints/test_openapi_examples.py).
TODO_PATCH_EXAMPLES: dict[str, Any] = {
    "rename": {"summary": "Change the title", "value": {"title": "Buy oat milk"}},
    "describe": {"summary": "Change the description", "value": {"description": "Oat, 1 litre"}},
    "clear": {"summary": "Clear the due date", "value": {"due_at": OPENAPI_NULL}},
    "prioritise": {"summary": "Make it urgent", "value": {"priority": "high"}},
    "complete": {"summary": "Mark done", "value": {"completed": True}},
    "reorder": {"summary": "Set its place in the list", "value": {"order": 98304}},
}
TODO_MOVE_EXAMPLES: dict[str, Any] = {
    "before": {
        "summary": "Just before another todo",
        "value": {"before": TODO_EXAMPLE["id"]},
    },
    "after": {"summary": "Just after another todo", "value": {"after": TODO_EXAMPLE["id"]}},
    "start": {"summary": "To the top of the list", "value": {"to": "start"}},
    "end": {"summary": "To the bottom of the list", "value": {"to": "end"}},
}
TODOS_PATCH_EXAMPLES: dict[str, Any] = {
    "complete": {"summary": "Mark all as complete", "value": {"completed": True}},
    "reopen": {"summary": "Mark all as open", "value": {"completed": False}},
}


def answers(
    status: int, example: Any, headers: dict[str, Any] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` giving an operation's success response a whole JSON example
    (and the `headers` it carries, documented)."""
    response: dict[str, Any] = {"content": {"application/json": {"example": example}}}
    if headers:
        response["headers"] = headers
    return {status: response}


def with_nulls(document: Any) -> Any:
    """The OpenAPI document with every `OPENAPI_NULL` turned back into JSON null."""
    if isinstance(document, dict):
        return {key: with_nulls(value) for key, value in document.items()}
    if isinstance(document, list):
        return [with_nulls(value) for value in document]
    return None if document == OPENAPI_NULL else document
