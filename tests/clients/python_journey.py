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
    delete_todos,
    get_todo,
    list_todos,
    move_todo,
    toggle_todo,
    update_todo,
    update_todos,
)
from todo_client.models import (  # type: ignore[import-not-found]
    Priority,
    Problem,
    TodoCreate,
    TodoMove,
    TodoMoveToType0,
    TodoOut,
    TodoPageOut,
    TodoPatch,
    TodosDeleted,
    TodosPatch,
    TodosUpdated,
)


def parsed(response: Any, model: type) -> Any:
    """The body the client parsed, which must be an instance of `model`."""
    assert isinstance(response.parsed, model), (response.status_code, response.content)
    return response.parsed


def problem(response: Any) -> list[Any]:
    body = parsed(response, Problem)
    return [response.status_code, body.status, body.title]


def main() -> None:
    base_url = os.environ["TODO_BASE_URL"]
    client = AuthenticatedClient(base_url, os.environ["TODO_TOKEN"])

    def create(title: str, priority: Any) -> Any:
        body = TodoCreate(title=title, priority=priority)
        return parsed(create_todo.sync_detailed(client=client, body=body), TodoOut)

    def titles_in_order() -> list[str]:
        page = parsed(list_todos.sync_detailed(client=client, sort="order:asc"), TodoPageOut)
        return [todo.title for todo in page.items]

    def link(todo: Any) -> str:
        # The base URL and the id change from run to run; the transcript is fixed.
        url: str = todo.url
        return url.replace(base_url, "{base}").replace(str(todo.id), "{id}")

    milk = create("Buy milk", Priority.HIGH)
    create("Answer mail", Priority.HIGH)
    bank = create("Call the bank", Priority.LOW)
    page = parsed(
        list_todos.sync_detailed(client=client, priority=Priority.HIGH, sort="title:asc"),
        TodoPageOut,
    )
    to_start = TodoMove(to=TodoMoveToType0.START)
    moved = parsed(move_todo.sync_detailed(bank.id, client=client, body=to_start), TodoOut)
    in_order = titles_in_order()
    # A todo's url is followed as it is, by the HTTP client that holds the token.
    followed = client.get_httpx_client().get(moved.url)
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
    marked_done = parsed(
        update_todos.sync_detailed(
            client=client, priority=Priority.HIGH, body=TodosPatch(completed=True)
        ),
        TodosUpdated,
    )
    cleared = parsed(delete_todos.sync_detailed(client=client, completed=True), TodosDeleted)

    transcript = {
        "created": [milk.title, milk.priority.value, milk.version],
        "listed": [[todo.title for todo in page.items], page.total],
        "moved": [moved.title, moved.version, link(moved)],
        "in_order": in_order,
        "followed": [followed.status_code, TodoOut.from_dict(followed.json()).title],
        "got": [got.status_code, etag, parsed(got, TodoOut).title],
        "not_modified": [unchanged.status_code, unchanged.headers["ETag"]],
        "patched": [patched.description, patched.version],
        "stale": problem(stale),
        "toggled": [done.completed, done.version],
        "deleted": deleted.status_code,
        "missing": problem(missing),
        "marked_done": marked_done.updated,
        "cleared": cleared.deleted,
        "left": titles_in_order(),
    }
    print(json.dumps(transcript))


if __name__ == "__main__":
    main()
