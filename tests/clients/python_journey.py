"""A todo's life through the client openapi-python-client generated from /openapi.json.

Run by tests/clients/test_python_client.py in the generator's own venv, with the
generated package `todo_client` on PYTHONPATH and TODO_BASE_URL and TODO_TOKEN set.
Prints what it saw as JSON: the same transcript as tests/clients/typescript/journey.ts.
"""

import json
import os
from typing import Any

from todo_client import AuthenticatedClient  # type: ignore[import-not-found]
from todo_client.api.todos import (  # type: ignore[import-not-found]
    create_todo,
    delete_todo,
    get_todo,
    list_todos,
    toggle_todo,
    update_todo,
)
from todo_client.models import (  # type: ignore[import-not-found]
    Priority,
    Problem,
    TodoCreate,
    TodoOut,
    TodoPageOut,
    TodoPatch,
)


def parsed(response: Any, model: type) -> Any:
    """The body the client parsed, which must be an instance of `model`."""
    assert isinstance(response.parsed, model), (response.status_code, response.content)
    return response.parsed


def problem(response: Any) -> list[Any]:
    body = parsed(response, Problem)
    return [response.status_code, body.status, body.title]


def main() -> None:
    client = AuthenticatedClient(os.environ["TODO_BASE_URL"], os.environ["TODO_TOKEN"])

    def create(title: str, priority: Any) -> Any:
        body = TodoCreate(title=title, priority=priority)
        return parsed(create_todo.sync_detailed(client=client, body=body), TodoOut)

    milk = create("Buy milk", Priority.HIGH)
    create("Answer mail", Priority.HIGH)
    create("Call the bank", Priority.LOW)
    page = parsed(
        list_todos.sync_detailed(client=client, priority=Priority.HIGH, sort="title:asc"),
        TodoPageOut,
    )
    got = get_todo.sync_detailed(milk.id, client=client)
    etag = got.headers["ETag"]
    unchanged = get_todo.sync_detailed(milk.id, client=client, if_none_match=etag)
    changes = TodoPatch(description="Oat, 2 litres")
    patched = parsed(
        update_todo.sync_detailed(milk.id, client=client, body=changes, if_match=etag), TodoOut
    )
    stale = update_todo.sync_detailed(
        milk.id, client=client, body=TodoPatch(title="Buy oat milk"), if_match=etag
    )
    done = parsed(toggle_todo.sync_detailed(milk.id, client=client), TodoOut)
    deleted = delete_todo.sync_detailed(milk.id, client=client, if_match=f'"{done.version}"')
    missing = get_todo.sync_detailed(milk.id, client=client)

    transcript = {
        "created": [milk.title, milk.priority.value, milk.version],
        "listed": [[todo.title for todo in page.items], page.total],
        "got": [got.status_code, etag, parsed(got, TodoOut).title],
        "not_modified": [unchanged.status_code, unchanged.headers["ETag"]],
        "patched": [patched.description, patched.version],
        "stale": problem(stale),
        "toggled": [done.completed, done.version],
        "deleted": deleted.status_code,
        "missing": problem(missing),
    }
    print(json.dumps(transcript))


if __name__ == "__main__":
    main()
