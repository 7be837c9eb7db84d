"""A steady stream of creates from a few threads, every answer kept; bounded by count and time."""

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx

MAX_REQUESTS = 5000
MAX_SECONDS = 60
PAUSE_SECONDS = 0.01
WAIT_TIMEOUT_SECONDS = 30
UNANSWERED = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """One create as the client saw it; status 0 means no HTTP answer at all."""

    phase: str
    status: int
    todo_id: str | None = None
    retry_after: str | None = None
    content_type: str | None = None


class CreateLoad:
    """Worker threads that POST new todos until stopped, MAX_REQUESTS or MAX_SECONDS.

    `phase` labels the answers, so a test can count what happened while it did
    something to the service or its database.
    """

    def __init__(self, base_url: str, headers: Mapping[str, str], workers: int = 4) -> None:
        self.phase = "start"
        self._base_url = base_url
        self._headers = dict(headers)
        self._workers = workers
        self._numbers = count()
        self._lock = threading.Lock()
        self._answers: list[Answer] = []
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> "CreateLoad":
        deadline = time.monotonic() + MAX_SECONDS
        for _ in range(self._workers):
            thread = threading.Thread(target=self._work, args=(deadline,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> list[Answer]:
        self._stopping.set()
        for thread in self._threads:
            thread.join(MAX_SECONDS)
        return self.answers()

    def phases(self) -> list[str]:
        """The phases answers were labelled with, in the order they first appeared."""
        return list(dict.fromkeys(answer.phase for answer in self.answers()))

    def answers(self, phase: str | None = None) -> list[Answer]:
        with self._lock:
            return [a for a in self._answers if phase is None or a.phase == phase]

    def _work(self, deadline: float) -> None:
        with httpx.Client(base_url=self._base_url, headers=self._headers, timeout=10) as client:
            while not self._stopping.is_set() and time.monotonic() < deadline:
                number = next(self._numbers)
                if number >= MAX_REQUESTS:
                    return
                self._keep(self._create(client, number))
                time.sleep(PAUSE_SECONDS)

    def _create(self, client: httpx.Client, number: int) -> Answer:
        sent_in = self.phase
        try:
            response = client.post("/api/todos", json={"title": f"load {number}"})
        except httpx.TransportError:
            return Answer(self._phase_since(sent_in), UNANSWERED)
        phase = self._phase_since(sent_in)
        todo_id = response.json()["id"] if response.status_code == 201 else None
        headers = response.headers
        return Answer(
            phase,
            response.status_code,
            todo_id,
            headers.get("retry-after"),
            headers.get("content-type"),
        )

    def _phase_since(self, sent_in: str) -> str:
        # A request in flight while the phase changed belongs to neither phase.
        answered_in = self.phase
        return sent_in if answered_in == sent_in else f"{sent_in} -> {answered_in}"

    def _keep(self, answer: Answer) -> None:
        with self._lock:
            self._answers.append(answer)


def acknowledged(answers: list[Answer]) -> set[str]:
    return {a.todo_id for a in answers if a.status == 201 and a.todo_id is not None}


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll until `condition` holds; fail after WAIT_TIMEOUT_SECONDS (a bound, not a measure)."""
    deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT_TIMEOUT_SECONDS} s: {what}")


def stored_todos(client: httpx.Client, headers: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every todo the service lists for this user, page by page (cursor pagination)."""
    todos: list[dict[str, Any]] = []
    params: dict[str, str | int] = {"limit": 100}
    for _ in range(MAX_REQUESTS // 100 + 1):
        page = client.get("/api/todos", params=params, headers=headers)
        page.raise_for_status()
        body = page.json()
        todos.extend(body["items"])
        if body["next_cursor"] is None:
            return todos
        params = {"limit": 100, "cursor": body["next_cursor"]}
    raise AssertionError("more pages than todos were ever created")


def stored_todo_ids(client: httpx.Client, headers: Mapping[str, str]) -> set[str]:
    return {str(todo["id"]) for todo in stored_todos(client, headers)}
