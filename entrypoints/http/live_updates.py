"""Live updates: Server-Sent Events telling a connected client what changed in its todos.

Each worker holds its streams and one watcher. While any stream is open, the watcher
asks the database, every STREAM_POLL_MILLISECONDS, which of the streams' users have a
change at or above the lowest floor the streams hold (one indexed query for all of
them, `owners_with_changes`), and wakes those users' streams. The change log is the
one source, so a change made through any worker or instance reaches every stream,
on PostgreSQL (through PgBouncer too) and on SQLite alike (docs/adr/0024). A woken
stream syncs from its own token and sends what it has not sent yet: the event's `id`
is the token, so a client that reconnects with `Last-Event-ID` resumes where it was.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from todo_service.application import ApplicationError, ChangesPage
from todo_service.domain import Todo, TodoId, UserId
from todo_service.entrypoints.http.schemas import SYNC_TOKEN_EXAMPLE, TODO_EXAMPLE, ChangesOut
from todo_service.entrypoints.http.serving.stopping import SERVER_STOPPING
from todo_service.entrypoints.storage import Storage

# How often a stream looks up from its wait, to notice a stopping server.
_LOOK_UP_SECONDS = 0.5


LIVE_UPDATES_DESCRIPTION = """\
A stream of what changes in the caller's todos, as Server-Sent Events, within a second
of each change, made through any worker or instance.

- Authenticate with `Authorization: Bearer` as everywhere (browsers: stream with
  `fetch()`; `EventSource` cannot send the header, and a token never goes in a URL).
- First comes what changed since `Last-Event-ID` (a sync token, as from
  `GET /api/todos/changes`), or every todo the caller holds without one; then one
  `changes` event per change: `id:` the sync token after it, `data:` a `ChangesOut`.
  Reconnect with the last `id` as `Last-Event-ID` and nothing is lost.
- A comment line every STREAM_HEARTBEAT_SECONDS (15) keeps proxies from closing a
  quiet stream; the stream ends cleanly when the server stops (reconnect).
- At most STREAMS_PER_USER (5) streams per user and STREAMS_PER_WORKER (500) per
  worker: one more is answered 429, or 503 with `Retry-After`.
"""


EVENT_EXAMPLE = (
    f"id: {SYNC_TOKEN_EXAMPLE}\nevent: changes\n"
    f'data: {{"todos": [], "deleted": [{{"id": "{TODO_EXAMPLE["id"]}", '
    f'"deleted_at": "{TODO_EXAMPLE["created_at"]}"}}], "token": "{SYNC_TOKEN_EXAMPLE}", '
    '"more": false}\n\n'
)


class TooManyStreamsError(ApplicationError):
    """The user holds as many live streams as one user may (STREAMS_PER_USER)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"At most {limit} live update streams per user: close one (another tab or "
            "device) before opening more"
        )


class StreamsFullError(ApplicationError):
    """This worker holds as many live streams as it may (STREAMS_PER_WORKER)."""

    def __init__(self) -> None:
        super().__init__("The service holds as many live update streams as it can; retry later")


@dataclass(frozen=True, slots=True)
class StreamLimits:
    per_user: int = 5
    per_worker: int = 1000
    heartbeat_seconds: float = 15
    poll_seconds: float = 0.25


DEFAULT_STREAM_LIMITS = StreamLimits()


@dataclass(eq=False, slots=True)
class _Stream:
    user_id: UserId
    wake: asyncio.Event
    floor: int = 0


class LiveUpdates:
    """One worker's live streams and the watcher that wakes them."""

    def __init__(self, storage: Callable[[], Storage], limits: StreamLimits) -> None:
        # The app's storage, asked for when first needed (tests replace it before that).
        self._storage = storage
        self.limits = limits
        self._streams: set[_Stream] = set()
        self._watcher: asyncio.Task[None] | None = None

    def open(self, user_id: UserId) -> _Stream:
        """A stream for the user, counted against both limits until `close`; refused
        (TooManyStreamsError, StreamsFullError) before any byte of it is sent."""
        if len(self._streams) >= self.limits.per_worker:
            raise StreamsFullError
        if sum(stream.user_id == user_id for stream in self._streams) >= self.limits.per_user:
            raise TooManyStreamsError(self.limits.per_user)
        stream = _Stream(user_id, asyncio.Event())
        self._streams.add(stream)
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.get_running_loop().create_task(self._watch())
        return stream

    def close(self, stream: _Stream) -> None:
        self._streams.discard(stream)

    async def _watch(self) -> None:
        while self._streams:
            await asyncio.sleep(self.limits.poll_seconds)
            streams = list(self._streams)
            if not streams:
                return
            floor = min(stream.floor for stream in streams)
            users = {stream.user_id for stream in streams}
            storage = self._storage()
            try:
                changed = await storage.call(partial(_changed, storage, users, floor))
            except ApplicationError:
                continue  # the database is away: the streams keep waiting, try again
            for stream in streams:
                if stream.user_id in changed:
                    stream.wake.set()


def _changed(storage: Storage, users: set[UserId], floor: int) -> set[UserId]:
    with storage.unit_of_work() as uow:
        return uow.todos.owners_with_changes(users, floor)


def server_sent_event(page: ChangesPage, url_of: Callable[[Todo], str]) -> bytes:
    body = ChangesOut.of(page, url_of).model_dump_json()
    return f"id: {page.token}\nevent: changes\ndata: {body}\n\n".encode()


async def events(
    live: LiveUpdates,
    stream: _Stream,
    sync: Callable[[str], Awaitable[ChangesPage]],
    first: ChangesPage,
    url_of: Callable[[Todo], str],
) -> AsyncIterator[bytes]:
    """The stream's bytes: `first` (what changed since the client's token) at once, then
    each change as it comes (`sync(token)` reads it), a comment line as a heartbeat when
    nothing did for a while, until the client goes or the server stops."""
    sent = _Sent()
    try:
        yield b"retry: 1000\n\n"
        page = first
        stream.floor = page.floor
        # The first event goes even when empty: it gives the client its token.
        yield server_sent_event(sent.unseen(page) or page, url_of)
        while not SERVER_STOPPING.is_set():
            if not page.more:
                async for heartbeat in _quiet_until_woken(stream, live.limits.heartbeat_seconds):
                    yield heartbeat
                if SERVER_STOPPING.is_set():
                    return
            # Cleared before the read: a change while it runs wakes the stream again.
            stream.wake.clear()
            try:
                page = await sync(page.token)
            except ApplicationError:
                return  # the database is away: the client reconnects, and resumes
            stream.floor = page.floor
            fresh = sent.unseen(page)
            if fresh is not None:
                yield server_sent_event(fresh, url_of)
    finally:
        live.close(stream)


async def _quiet_until_woken(stream: _Stream, every_seconds: float) -> AsyncIterator[bytes]:
    """A heartbeat every `every_seconds` until the stream is woken or the server stops."""
    quiet = 0.0
    while not stream.wake.is_set() and not SERVER_STOPPING.is_set():
        try:
            await asyncio.wait_for(stream.wake.wait(), timeout=_LOOK_UP_SECONDS)
        except TimeoutError:
            quiet += _LOOK_UP_SECONDS
            if quiet >= every_seconds:
                yield b": heartbeat\n\n"
                quiet = 0.0


class _Sent:
    """What a stream sent lately, so that a change a sync brings again (PostgreSQL's floor
    trails the oldest running transaction) is not sent twice."""

    def __init__(self) -> None:
        self._versions: dict[TodoId, int] = {}
        self._deleted: set[TodoId] = set()

    def unseen(self, page: ChangesPage) -> ChangesPage | None:
        todos = tuple(t for t in page.todos if self._versions.get(t.id) != t.version)
        deleted = tuple(d for d in page.deleted if d.todo_id not in self._deleted)
        self._versions.update((t.id, t.version) for t in todos)
        self._deleted.update(d.todo_id for d in deleted)
        if not todos and not deleted:
            return None
        return ChangesPage(todos, deleted, page.token, page.more, page.floor)
