from urllib.parse import urlsplit
from uuid import UUID

from fastapi import Request

from todo_service.domain import Todo

TODOS_PATH = "/api/todos"


class TodoLinks:
    """Where each todo lives: the absolute URL its `url` carries, and the path `Location`
    names (the same place, as the contract's relative reference).

    Built from the configured public base URL only, never from a request's `Host` or
    `X-Forwarded-*` headers, which any client can set (ADR 0023).
    """

    def __init__(self, base_url: str) -> None:
        self._url = f"{base_url.rstrip('/')}{TODOS_PATH}/"
        self._path = urlsplit(self._url).path

    def url(self, todo: Todo) -> str:
        return self._url + str(todo.id)

    def path(self, todo_id: UUID) -> str:
        return self._path + str(todo_id)


def todo_links(request: Request) -> TodoLinks:
    """The links of the app serving `request` (`create_app`'s `public_base_url`)."""
    links: TodoLinks = request.app.todo_links
    return links
