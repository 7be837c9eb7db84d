from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from functools import cmp_to_key
from itertools import islice

from todo_service.adapters.memory.store import InMemoryStore, Journal
from todo_service.application.changes import Change, ChangePosition
from todo_service.application.errors import StaleWriteError
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import Position, TodoFilters, TodoQuery, compare_positions
from todo_service.application.ports import IdempotencyRepository, TodoRepository, UserRepository
from todo_service.domain import Todo, TodoId, Usage, User, UserId
from todo_service.domain.quota import text_bytes


class InMemoryTodoRepository(TodoRepository):
    """The reference implementation of the repository contract, over a shared store."""

    def __init__(self, store: InMemoryStore, journal: Journal) -> None:
        self._store = store
        self._todos = store.todos
        self._journal = journal
        self._change: int | None = None

    def add(self, todo: Todo) -> None:
        if todo.id in self._todos:
            raise ValueError("todo id already used")
        self._write(todo)

    def get(self, owner_id: UserId, todo_id: TodoId, *, for_update: bool = False) -> Todo | None:
        todo = self._todos.get(todo_id)
        return todo if todo is not None and todo.is_owned_by(owner_id) else None

    def save(self, todo: Todo) -> None:
        self._require_stored_version(todo, todo.version - 1)
        self._write(todo)

    def remove(self, todo: Todo, deleted_at: datetime) -> None:
        self._require_stored_version(todo, todo.version)
        self._journal.write(self._todos, todo.id, None)
        self._journal.write(self._store.change_numbers, todo.id, None)
        position = ChangePosition(self._change_number(), todo.id)
        tombstone = (todo.owner_id, Change(position, deleted_at=deleted_at))
        self._journal.write(self._store.tombstones, todo.id, tombstone)

    def save_all(self, todos: Sequence[Todo]) -> None:
        for todo in todos:
            self.save(todo)

    def remove_all(self, todos: Sequence[Todo], deleted_at: datetime) -> None:
        for todo in todos:
            self.remove(todo, deleted_at)

    def change_floor(self) -> int:
        return self._store.clock["now"] + 1

    def changes_after(
        self,
        owner_id: UserId,
        after: ChangePosition,
        limit: int,
        *,
        deletions_from: int | None = 0,
    ) -> Sequence[Change]:
        numbers = self._store.change_numbers
        changed = [
            Change(ChangePosition(numbers[todo.id], todo.id), todo)
            for todo in self._todos.values()
            if todo.is_owned_by(owner_id)
        ]
        tombstones = self._store.tombstones.values() if deletions_from is not None else ()
        deleted = [
            change
            for owner, change in tombstones
            if owner == owner_id and change.position.number >= (deletions_from or 0)
        ]
        later = sorted(
            (change for change in changed + deleted if change.position > after),
            key=lambda change: change.position,
        )
        return later[: limit + 1]

    def owners_with_changes(self, owner_ids: Collection[UserId], floor: int) -> set[UserId]:
        numbers = self._store.change_numbers
        changed = {todo.owner_id for todo in self._todos.values() if numbers[todo.id] >= floor} | {
            owner
            for owner, change in self._store.tombstones.values()
            if change.position.number >= floor
        }
        return changed & set(owner_ids)

    def purge_tombstones(self, before: datetime) -> int:
        gone = [
            todo_id
            for todo_id, (_, change) in self._store.tombstones.items()
            if change.deleted_at is not None and change.deleted_at < before
        ]
        for todo_id in gone:
            self._journal.write(self._store.tombstones, todo_id, None)
        return len(gone)

    def _write(self, todo: Todo) -> None:
        self._journal.write(self._todos, todo.id, todo)
        self._journal.write(self._store.change_numbers, todo.id, self._change_number())

    def _change_number(self) -> int:
        """This unit of work's number: one tick of the store's clock, drawn at its first
        write (units of work on one store run one at a time, so numbers follow commits)."""
        if self._change is None:
            self._change = self._store.clock["now"] + 1
            self._journal.write(self._store.clock, "now", self._change)
        return self._change

    def matching(
        self, owner_id: UserId, filters: TodoFilters, *, for_update: bool = False
    ) -> Sequence[Todo]:
        return self._matching(owner_id, filters)

    def find(self, owner_id: UserId, query: TodoQuery) -> Sequence[Todo]:
        field, direction = query.sort.field, query.sort.direction

        def compare(a: Todo, b: Todo) -> int:
            return compare_positions(Position.of(a, field), Position.of(b, field), direction)

        ordered = sorted(self._matching(owner_id, query.filters), key=cmp_to_key(compare))
        after = query.after
        if after is not None:
            ordered = [
                t for t in ordered if compare_positions(Position.of(t, field), after, direction) > 0
            ]
        return list(islice(ordered, query.offset, query.offset + query.limit + 1))

    def count(self, owner_id: UserId, filters: TodoFilters) -> int:
        return len(self._matching(owner_id, filters))

    def usage(self, owner_id: UserId) -> Usage:
        return usage_of(self._todos.values(), owner_id)

    def _matching(self, owner_id: UserId, filters: TodoFilters) -> list[Todo]:
        return [t for t in self._todos.values() if t.is_owned_by(owner_id) and filters.matches(t)]

    def _require_stored_version(self, todo: Todo, version: int) -> None:
        stored = self._todos.get(todo.id)
        if stored is None or stored.owner_id != todo.owner_id or stored.version != version:
            raise StaleWriteError


def usage_of(todos: Iterable[Todo], owner_id: UserId) -> Usage:
    owned = [t for t in todos if t.is_owned_by(owner_id)]
    return Usage(todos=len(owned), text_bytes=sum(map(text_bytes, owned)))


class InMemoryUserRepository(UserRepository):
    def __init__(self, store: InMemoryStore, journal: Journal) -> None:
        self._users = store.users
        self._todos = store.todos
        self._journal = journal

    def get(self, user_id: UserId) -> User | None:
        return self._users.get(user_id)

    def add_if_absent(self, user: User) -> User:
        stored = self._users.get(user.id)
        if stored is not None:
            return stored
        self.save(user)
        return user

    def save(self, user: User) -> None:
        self._journal.write(self._users, user.id, user)

    def hold(self, user_id: UserId) -> None:
        """Nothing to lock: units of work on one store run one at a time."""

    def change_usage(self, user_id: UserId, todos: int, text_bytes: int) -> Usage:
        # Counted from the store itself, which the caller has not changed yet; nothing
        # to lock: units of work on one store run one at a time.
        return usage_of(self._todos.values(), user_id)


class InMemoryIdempotencyRepository(IdempotencyRepository):
    def __init__(self, store: InMemoryStore, journal: Journal) -> None:
        self._records = store.idempotency
        self._journal = journal

    def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        slot = (record.owner_id, record.key)
        holder = self._records.get(slot)
        if holder is not None and holder.expires_at > now:
            return holder
        self._journal.write(self._records, slot, record)
        return record

    def purge_expired(self, now: datetime) -> int:
        dead = [slot for slot, record in self._records.items() if record.expires_at <= now]
        for slot in dead:
            self._journal.write(self._records, slot, None)
        return len(dead)
