"""The writes of `TodoWrites` as steps on a unit of work's repositories.

Each reads what it needs, lets the domain decide, writes and commits: the reference
implementation of `TodoWrites`. The in-memory and SQLite stores use it as it is (their
units of work already run one at a time); PostgreSQL does the common case in one
statement and falls back to it for everything else (adapters/sql/writes.py).
"""

from dataclasses import replace
from datetime import datetime

from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import TodoFilters
from todo_service.application.ports import TOGGLE, TodoWrites, Toggle, UnitOfWork
from todo_service.application.use_cases.common import (
    admit_change,
    admit_new_todo,
    load_owned,
    release_todos,
)
from todo_service.application.use_cases.placing import place_moved, place_new
from todo_service.domain import Placement, Quota, Todo, TodoChanges, TodoId, User, UserId
from todo_service.domain.ordering import Edge


class StepwiseTodoWrites(TodoWrites):
    """`TodoWrites` in steps, each write in its own transaction of `unit_of_work`."""

    def __init__(self, unit_of_work: UnitOfWork) -> None:
        self._uow = unit_of_work

    def add(
        self,
        todo: Todo,
        *,
        owner: User,
        quota: Quota,
        at_end: bool,
        claim: IdempotencyRecord | None,
        now: datetime,
    ) -> Todo | IdempotencyRecord:
        uow = self._uow
        uow.users.add_if_absent(owner).require_active()
        if claim is not None:
            holder = uow.idempotency.claim(claim, now)
            if holder != claim:
                return holder
        # Holds the owner from here on: the end of the list cannot move under us.
        admit_new_todo(uow, quota, todo.owner_id, todo)
        if at_end:
            placed = place_new(uow.todos, todo.owner_id, Edge.END, now)
            uow.todos.save_all(placed.renumbered)
            todo = replace(todo, order=placed.order)
        uow.todos.add(todo)
        uow.commit()
        return todo

    def change(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        change: TodoChanges | Toggle,
        *,
        now: datetime,
        quota: Quota,
        expected_version: int | None = None,
    ) -> Todo:
        uow = self._uow
        todo = load_owned(uow.todos, owner_id, todo_id, for_update=True)
        todo.require_version(expected_version)
        changed = todo.toggled(now) if change is TOGGLE else todo.changed(change, now)
        if changed is not todo:
            admit_change(uow, quota, todo, changed)
            uow.todos.save(changed)
            uow.commit()
        return changed

    def remove(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        *,
        now: datetime,
        expected_version: int | None = None,
    ) -> None:
        uow = self._uow
        todo = load_owned(uow.todos, owner_id, todo_id, for_update=True)
        todo.require_version(expected_version)
        release_todos(uow, owner_id, [todo])
        uow.todos.remove(todo, now)
        uow.commit()

    def change_matching(
        self, owner_id: UserId, filters: TodoFilters, changes: TodoChanges, *, now: datetime
    ) -> int:
        uow = self._uow
        found = uow.todos.matching(owner_id, filters, for_update=True)
        changed = [new for todo in found if (new := todo.changed(changes, now)) is not todo]
        if changed:
            uow.todos.save_all(changed)
            uow.commit()
        return len(changed)

    def remove_matching(self, owner_id: UserId, filters: TodoFilters, *, now: datetime) -> int:
        uow = self._uow
        found = uow.todos.matching(owner_id, filters, for_update=True)
        if found:
            release_todos(uow, owner_id, found)
            uow.todos.remove_all(found, now)
            uow.commit()
        return len(found)

    def move(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        placement: Placement,
        *,
        now: datetime,
        expected_version: int | None = None,
    ) -> Todo:
        uow = self._uow
        uow.users.hold(owner_id)
        todo = load_owned(uow.todos, owner_id, todo_id, for_update=True)
        todo.require_version(expected_version)
        placed = place_moved(uow.todos, todo, placement, now)
        if placed is None:
            return todo
        moved = todo.changed(TodoChanges(order=placed.order), now)
        uow.todos.save_all([*placed.renumbered, *([moved] if moved is not todo else [])])
        uow.commit()
        return moved
