"""A sync never skips a change: not one an older transaction commits after a newer one,
not one committed while a pass is paged, not one of a group written together.

PostgreSQL numbers a change with its transaction's id, and ids are handed out when a
transaction first writes, not when it commits: a transaction may commit after another
that began (and was numbered) later. A sync that resumed after the largest number it had
seen would step over it for good. These tests hold such a transaction open, directly
(PostgreSQL), through PgBouncer and over TLS, and show the change comes in the next sync.
SQLite and the in-memory store run one writer at a time, so there the trap cannot be set;
what they owe instead is shown on them: the later writer waits, and nothing uncommitted
is ever synced.

Real threads or real second connections, each with its own unit of work.
"""

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from tests.contract.conftest import Backend
from tests.factories import ALICE, T0, FixedClock, todo_service
from todo_service.application import ChangesPage, RateLimits, TodoFilters, TodoService
from todo_service.application.changes import LAST_ID, ChangePosition
from todo_service.application.use_cases.common import release_todos
from todo_service.domain import Edge, NewTodo, Todo, TodoChanges, TodoId

# The backends whose transactions interleave: each a way in to the same PostgreSQL.
INTERLEAVING = [
    pytest.param(name, marks=pytest.mark.postgres)
    for name in ("postgres", "pgbouncer", "postgres_tls")
]
ONE_WRITER_AT_A_TIME = ["memory", "sqlite"]
# Long enough for a waiting thread to have reached the store, far below SQLite's 5 s
# busy timeout, after which the waiting writer would fail instead of waiting.
SETTLE_SECONDS = 0.3
WAIT_SECONDS = 10
# A pass that goes on longer than this is not ending: fail rather than loop.
MAX_PAGES = 200


@dataclass
class SyncPass:
    """The pages of one pass, from a token until `more` is false."""

    pages: list[ChangesPage] = field(default_factory=list)

    @property
    def token(self) -> str:
        return self.pages[-1].token

    @property
    def todos(self) -> list[Todo]:
        return [todo for page in self.pages for todo in page.todos]

    @property
    def deleted(self) -> list[TodoId]:
        return [gone.todo_id for page in self.pages for gone in page.deleted]

    @property
    def entries(self) -> list[TodoId]:
        """Every id the pass brought, changed or deleted, in the order the pages came."""
        return [
            todo_id
            for page in self.pages
            for todo_id in [*(t.id for t in page.todos), *(d.todo_id for d in page.deleted)]
        ]


def sync_pass(
    sut: TodoService, token: str | None, limit: int = 100, first: ChangesPage | None = None
) -> SyncPass:
    """Follow `more` to the end of a pass, from `token` (or from the page `first`)."""
    found = SyncPass([first] if first is not None else [])
    if first is None:
        found.pages.append(sut.sync_todos(ALICE, token, limit))
    while found.pages[-1].more:
        assert len(found.pages) < MAX_PAGES, "the pass does not end"
        found.pages.append(sut.sync_todos(ALICE, found.pages[-1].token, limit))
    return found


def applied(held: dict[TodoId, Todo], passes: Iterable[SyncPass]) -> dict[TodoId, Todo]:
    """What a client holds after applying the passes' pages in turn."""
    held = dict(held)
    for one in passes:
        for page in one.pages:
            held.update((todo.id, todo) for todo in page.todos)
            for gone in page.deleted:
                held.pop(gone.todo_id, None)
    return held


def server_todos(backend: Backend) -> dict[TodoId, Todo]:
    with backend.unit_of_work() as uow:
        return {todo.id: todo for todo in uow.todos.matching(ALICE, TodoFilters())}


def service(backend: Backend) -> TodoService:
    return todo_service(backend.unit_of_work, clock=FixedClock(), rate_limits=RateLimits.off())


def created(sut: TodoService, *titles: str, completed: bool = False) -> list[Todo]:
    return [sut.create_todo(ALICE, NewTodo(title=t, completed=completed)) for t in titles]


# --- PostgreSQL: an older transaction commits after a newer one --------------------------


@pytest.mark.parametrize("core_backend", INTERLEAVING, indirect=True)
def test_a_change_an_older_transaction_commits_late_comes_in_the_next_sync(
    core_backend: Backend,
) -> None:
    # Guards the floor: the next sync must resume from the snapshot's xmin, below every
    # transaction still running. A floor of "the largest number seen, plus one" (or the
    # snapshot's xmax, or txid_current()) lies above the open transaction's id, and its
    # change to A, committed after B's, would never be synced.
    sut = service(core_backend)
    a, b = created(sut, "a", "b")
    start = sync_pass(sut, None)
    assert {t.id for t in start.todos} == {a.id, b.id}

    with core_backend.unit_of_work() as older:
        held = older.todos.get(ALICE, a.id, for_update=True)
        assert held is not None
        a_done = held.toggled(T0)
        older.todos.save(a_done)  # A's change is numbered now: before B's, by its xid
        b_done = sut.toggle_todo(ALICE, b.id)  # a later transaction, committed first

        during = sync_pass(sut, start.token)
        assert b_done in during.todos
        # A may come again as it was (a repeat is allowed), never as it is not yet.
        assert all(todo.version == 1 for todo in during.todos if todo.id == a.id)
        older.commit()

    after = sync_pass(sut, during.token)
    assert a_done in after.todos
    assert applied({t.id: t for t in start.todos}, [during, after]) == server_todos(core_backend)


@pytest.mark.parametrize("core_backend", INTERLEAVING, indirect=True)
def test_a_deletion_an_older_transaction_commits_late_comes_in_the_next_sync(
    core_backend: Backend,
) -> None:
    # As above, for a tombstone: written by the open transaction, numbered by its id, it
    # must reach the client after its commit, or the client keeps a deleted todo forever.
    sut = service(core_backend)
    a, b = created(sut, "a", "b")
    start = sync_pass(sut, None)

    with core_backend.unit_of_work() as older:
        held = older.todos.get(ALICE, a.id, for_update=True)
        assert held is not None
        release_todos(older, ALICE, [held])
        older.todos.remove(held, T0)
        b_done = sut.toggle_todo(ALICE, b.id)

        during = sync_pass(sut, start.token)
        assert b_done in during.todos
        assert a.id not in during.deleted
        older.commit()

    after = sync_pass(sut, during.token)
    assert a.id in after.deleted
    assert a.id not in {todo.id for todo in after.todos}
    client = applied({t.id: t for t in start.todos}, [during, after])
    assert client == server_todos(core_backend) == {b.id: b_done}


@pytest.mark.parametrize("core_backend", INTERLEAVING, indirect=True)
def test_an_older_transaction_that_commits_behind_a_paged_pass_comes_in_the_next_pass(
    core_backend: Backend,
) -> None:
    # Guards where a pass takes the next pass's floor: before its first page, and kept in
    # the token from page to page. Taken afresh at a later page (or at the end of the
    # pass), it is past the open transaction, which commits behind the pass's position:
    # neither this pass nor the next would bring its change.
    sut = service(core_backend)
    [a] = created(sut, "a")
    start = sync_pass(sut, None)

    with core_backend.unit_of_work() as older:
        held = older.todos.get(ALICE, a.id, for_update=True)
        assert held is not None
        a_done = held.toggled(T0)
        older.todos.save(a_done)
        later = created(sut, "c1", "c2", "c3", "c4")  # each numbered past A's change
        first = sut.sync_todos(ALICE, start.token, 2)
        assert first.more
        older.commit()

    rest = sync_pass(sut, None, 2, first=first)
    # The pass's position was already past A's number when A committed: the setup holds.
    assert a_done not in rest.todos
    assert {t.id for t in later} <= {t.id for t in rest.todos}

    following = sync_pass(sut, rest.token, 2)
    assert a_done in following.todos
    client = applied({t.id: t for t in start.todos}, [rest, following])
    assert client == server_todos(core_backend)


# --- SQLite and memory: one writer at a time ---------------------------------------------


@pytest.mark.parametrize("core_backend", ONE_WRITER_AT_A_TIME, indirect=True)
@pytest.mark.parametrize("outcome", ["commit", "rollback"])
def test_with_one_writer_at_a_time_a_sync_sees_a_write_only_once_committed(
    core_backend: Backend, outcome: str
) -> None:
    # Numbers drawn from one clock follow the commits only because a later writer cannot
    # commit while an earlier one is open: guards that (the later toggle of B waits), and
    # that a sync begun during the write brings it only once committed, in that sync or
    # the next, and never at all when it is rolled back (no uncommitted state is synced).
    sut = service(core_backend)
    a, b = created(sut, "a", "b")
    start = sync_pass(sut, None)

    with ThreadPoolExecutor(max_workers=2) as pool:
        with core_backend.unit_of_work() as older:
            held = older.todos.get(ALICE, a.id, for_update=True)
            assert held is not None
            a_done = held.toggled(T0)
            older.todos.save(a_done)
            b_write = pool.submit(sut.toggle_todo, ALICE, b.id)
            during_sync = pool.submit(sync_pass, sut, start.token)
            time.sleep(SETTLE_SECONDS)
            writer_waited = not b_write.done()
            if outcome == "commit":
                older.commit()
        b_done = b_write.result(timeout=WAIT_SECONDS)
        during = during_sync.result(timeout=WAIT_SECONDS)

    assert writer_waited, "a second writer committed while the first was open"
    after = sync_pass(sut, during.token)
    brought = during.todos + after.todos
    assert (a_done in brought) is (outcome == "commit")
    assert b_done in brought
    client = applied({t.id: t for t in start.todos}, [during, after])
    assert client == server_todos(core_backend)
    assert client[a.id] == (a_done if outcome == "commit" else a)
    if outcome == "commit":
        # The numbers follow the commits: A's change, committed first, numbered first.
        with core_backend.unit_of_work() as uow:
            log = uow.todos.changes_after(ALICE, ChangePosition(-1, LAST_ID), 10)
        assert [change.position.todo_id for change in log] == [a.id, b.id]


# --- Every backend: paging ---------------------------------------------------------------


def _exact(backend: Backend) -> bool:
    """Whether a pass brings exactly what changed since its floor. On PostgreSQL the
    floor is the xmin of the whole server: any transaction running elsewhere (another
    test run) holds it down, and older changes may come again."""
    return backend.name in ONE_WRITER_AT_A_TIME


def test_a_paged_pass_brings_each_change_exactly_once(core_backend: Backend) -> None:
    # Guards the position a page hands to the next: (number, id), strictly after. A
    # position of the number alone skips the rest of a group written by one transaction
    # (the clear-completed below: three tombstones of one number, which pages of two
    # always split); a position at or before the last change sent repeats it; a wrong
    # `more` ends the pass early or never. Seven changes, pages of two.
    sut = service(core_backend)
    k1, k2, k3 = created(sut, "k1", "k2", "k3")
    k4, k5, k6 = created(sut, "k4", "k5", "k6", completed=True)
    start = sync_pass(sut, None)
    assert sorted(start.entries) == sorted(t.id for t in (k1, k2, k3, k4, k5, k6))

    [n1] = created(sut, "n1")
    sut.update_todo(ALICE, k1.id, TodoChanges(title="K1"))
    sut.update_todo(ALICE, k2.id, TodoChanges(description="d"))
    sut.move_todo(ALICE, k3.id, Edge.START)
    assert sut.delete_todos(ALICE, TodoFilters(completed=True)) == 3
    touched = {n1.id, k1.id, k2.id, k3.id, k4.id, k5.id, k6.id}

    paged = sync_pass(sut, start.token, 2)
    assert len(paged.entries) == len(set(paged.entries)), "a change came twice in one pass"
    assert touched <= set(paged.entries)
    assert {k4.id, k5.id, k6.id} <= set(paged.deleted)
    assert [len(p.todos) + len(p.deleted) for p in paged.pages[:-1]] == [2] * (len(paged.pages) - 1)
    assert [p.more for p in paged.pages] == [True] * (len(paged.pages) - 1) + [False]
    if _exact(core_backend):
        assert set(paged.entries) == touched
        assert len(paged.pages) == 4
    client = applied({t.id: t for t in start.todos}, [paged])
    assert client == server_todos(core_backend)

    # A pass repeated from the same token, nothing changed meanwhile: the same changes.
    again = sync_pass(sut, start.token, 2)
    assert len(again.entries) == len(set(again.entries))
    assert touched <= set(again.entries)


def test_a_change_committed_between_two_pages_comes_by_the_end_of_the_next_pass(
    core_backend: Backend,
) -> None:
    # Guards the state a token carries through a pass: a todo changed after it was sent
    # (its position moves past the pass's), one deleted before it was sent, one deleted
    # after, one created, must all reach a client that follows `more` and then syncs once
    # more; nothing a client already applied may be left stale.
    sut = service(core_backend)
    todos = created(sut, *(f"t{n}" for n in range(7)))
    first = sut.sync_todos(ALICE, None, 2)
    assert first.more
    sent = {todo.id for todo in first.todos}
    unsent = [todo for todo in todos if todo.id not in sent]

    changed = sut.update_todo(ALICE, first.todos[0].id, TodoChanges(title="changed"))
    sut.delete_todo(ALICE, first.todos[1].id)
    sut.delete_todo(ALICE, unsent[-1].id)
    toggled = sut.toggle_todo(ALICE, unsent[0].id)
    [added] = created(sut, "added")

    rest = sync_pass(sut, None, 2, first=first)
    following = sync_pass(sut, rest.token, 2)
    brought = rest.todos + following.todos
    assert {changed, toggled, added} <= set(brought)
    assert {first.todos[1].id, unsent[-1].id} <= set(rest.deleted + following.deleted)
    client = applied({}, [rest, following])
    assert client == server_todos(core_backend)
    assert client[changed.id] == changed
