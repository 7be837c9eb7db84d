"""Clients that create, read and toggle their todos until stopped, every answer kept.

Each client is a user of its own on a connection of its own, as a front end would be:
it creates a todo (with an `Idempotency-Key`), lists its first page, and toggles the
todo it created last; a request with no answer, or a 5xx, is a failure the client saw.
"""

import threading
import time
import uuid
from dataclasses import dataclass
from itertools import count

import httpx

from tests.support.live_service import auth_for

MAX_SECONDS = 120
PAUSE_SECONDS = 0.005
UNANSWERED = 0


@dataclass(frozen=True, slots=True)
class Request:
    """One request as its client saw it; status 0 means no HTTP answer at all."""

    kind: str  # create, read or toggle
    user: str
    status: int
    sent_at: float
    # Creates: the key and title sent, and the todo's id once acknowledged.
    key: str | None = None
    title: str | None = None
    todo_id: str | None = None
    # Toggles: the state asked for.
    completed: bool | None = None

    @property
    def failed(self) -> bool:
        return self.status == UNANSWERED or self.status >= 500


class MixedLoad:
    def __init__(self, base_url: str, clients: int = 4, prefix: str = "client") -> None:
        self.users = [f"{prefix}-{n}" for n in range(clients)]
        self._base_url = base_url
        self._numbers = count()
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, args=(user,), daemon=True) for user in self.users
        ]

    def __enter__(self) -> "MixedLoad":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> list[Request]:
        self._stopping.set()
        for thread in self._threads:
            thread.join(MAX_SECONDS)
        return self.requests()

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def acknowledged_creates(self) -> int:
        return sum(r.kind == "create" and r.status == 201 for r in self.requests())

    def _work(self, user: str) -> None:
        deadline = time.monotonic() + MAX_SECONDS
        last: tuple[str, bool] | None = None  # the todo created last, and its state
        with httpx.Client(base_url=self._base_url, headers=auth_for(user), timeout=10) as client:
            while not self._stopping.is_set() and time.monotonic() < deadline:
                created = self._create(client, user)
                if created.todo_id is not None:
                    last = (created.todo_id, False)
                self._read(client, user)
                if last is not None:
                    toggled = self._toggle(client, user, last[0], not last[1])
                    if toggled.status == 200:
                        last = (last[0], not last[1])
                time.sleep(PAUSE_SECONDS)

    def _create(self, client: httpx.Client, user: str) -> Request:
        key = str(uuid.uuid4())
        title = f"{user} {next(self._numbers)}"
        sent_at = time.monotonic()
        try:
            answer = client.post(
                "/api/todos", json={"title": title}, headers={"Idempotency-Key": key}
            )
        except httpx.TransportError:
            return self._keep(Request("create", user, UNANSWERED, sent_at, key, title))
        todo_id = answer.json()["id"] if answer.status_code == 201 else None
        return self._keep(Request("create", user, answer.status_code, sent_at, key, title, todo_id))

    def _read(self, client: httpx.Client, user: str) -> Request:
        sent_at = time.monotonic()
        try:
            status = client.get("/api/todos", params={"limit": 20}).status_code
        except httpx.TransportError:
            status = UNANSWERED
        return self._keep(Request("read", user, status, sent_at))

    def _toggle(self, client: httpx.Client, user: str, todo_id: str, completed: bool) -> Request:
        sent_at = time.monotonic()
        try:
            status = client.patch(
                f"/api/todos/{todo_id}", json={"completed": completed}
            ).status_code
        except httpx.TransportError:
            status = UNANSWERED
        return self._keep(
            Request("toggle", user, status, sent_at, todo_id=todo_id, completed=completed)
        )

    def _keep(self, request: Request) -> Request:
        with self._lock:
            self._requests.append(request)
        return request
