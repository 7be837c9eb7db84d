"""The change log's edges, through the use cases in memory: purges and full syncs."""

from datetime import timedelta

from tests.factories import ALICE, FixedClock
from todo_service.application import TodoService
from todo_service.domain import NewTodo

RETENTION = timedelta(days=30)


def test_a_tombstone_outlives_the_retention_by_a_day_for_deletions_that_commit_late(
    service: TodoService, clock: FixedClock
) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="gone soon"))
    service.delete_todo(ALICE, todo.id)

    clock.advance((RETENTION + timedelta(hours=23)).total_seconds())
    assert service.purge_expired_tombstones() == 0
    clock.advance(timedelta(hours=2).total_seconds())
    assert service.purge_expired_tombstones() == 1


def test_a_full_sync_sends_no_deletions_of_todos_the_device_never_held(
    service: TodoService,
) -> None:
    gone = service.create_todo(ALICE, NewTodo(title="gone"))
    kept = service.create_todo(ALICE, NewTodo(title="kept"))
    service.delete_todo(ALICE, gone.id)

    full = service.sync_todos(ALICE)

    assert ([t.id for t in full.todos], full.deleted) == ([kept.id], ())


def test_a_todo_deleted_while_a_full_sync_pages_is_gone_when_the_pass_ends(
    service: TodoService,
) -> None:
    """The device received it on an earlier page of its first pass: the deletion must come
    before that pass ends, not only in the next one (found by test_sync_convergence)."""
    gone = service.create_todo(ALICE, NewTodo(title="gone"))
    kept = service.create_todo(ALICE, NewTodo(title="kept"))
    first = service.sync_todos(ALICE, limit=1)
    assert ([t.id for t in first.todos], first.more) == ([gone.id], True)

    service.delete_todo(ALICE, gone.id)
    held = {todo.id for todo in first.todos}
    page = first
    while page.more:
        page = service.sync_todos(ALICE, page.token, limit=1)
        held |= {todo.id for todo in page.todos}
        held -= {deletion.todo_id for deletion in page.deleted}

    assert held == {kept.id}
