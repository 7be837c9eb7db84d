"""Random histories of writes and reads: every adapter agrees with a plain model, step by step."""

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cmp_to_key

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from tests.contract.conftest import Backend
from tests.contract.helpers import make_user
from tests.factories import ALICE, BOB, T0
from todo_service.application.errors import StaleWriteError
from todo_service.application.listing import (
    Position,
    Sort,
    SortDirection,
    SortField,
    TodoFilters,
    TodoQuery,
    compare_positions,
)
from todo_service.domain import NewTodo, Priority, Todo, TodoChanges, TodoId, User, UserId

CAROL = UserId("carol")
USERS = [ALICE, BOB, CAROL]
TITLES = st.text(alphabet="aAäÄ%_\\ b", min_size=1, max_size=6).filter(lambda t: t.strip() == t)
INSTANTS = st.integers(min_value=-3, max_value=3).map(lambda n: T0 + timedelta(minutes=n))
DUE = st.none() | INSTANTS
FILTERS = st.builds(
    TodoFilters,
    completed=st.none() | st.booleans(),
    priority=st.none() | st.sampled_from(Priority),
    title_contains=st.none() | st.text(alphabet="aAä%_\\", min_size=1, max_size=2),
    due_before=st.none() | INSTANTS,
    due_after=st.none() | INSTANTS,
)
SORTS = st.builds(Sort, st.sampled_from(SortField), st.sampled_from(SortDirection))

EXAMPLES = {"memory": 60, "sqlite": 30}
SQL_EXAMPLES = 25


class PlainModel:
    """The contract in a few lines: dictionaries, a filter, a sort."""

    def __init__(self) -> None:
        self.todos: dict[TodoId, Todo] = {}
        self.users: dict[UserId, User] = {}

    def find(self, owner: UserId, query: TodoQuery) -> list[TodoId]:
        field, direction = query.sort.field, query.sort.direction
        mine = [t for t in self.todos.values() if t.owner_id == owner and query.filters.matches(t)]

        def compare(a: Todo, b: Todo) -> int:
            return compare_positions(Position.of(a, field), Position.of(b, field), direction)

        ordered = sorted(mine, key=cmp_to_key(compare))
        if query.after is not None:
            after = query.after
            ordered = [
                t for t in ordered if compare_positions(Position.of(t, field), after, direction) > 0
            ]
        return [t.id for t in ordered[query.offset : query.offset + query.limit + 1]]

    def count(self, owner: UserId, filters: TodoFilters) -> int:
        return sum(t.owner_id == owner and filters.matches(t) for t in self.todos.values())


def machine_for(backend: Backend) -> type[RuleBasedStateMachine]:
    class RepositoryAgreesWithTheModel(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            backend.reset()
            self.model = PlainModel()
            self.clock = T0
            self.seen: list[Todo] = []

        @initialize()
        def start_empty(self) -> None:
            assert self._find(ALICE, TodoQuery()) == []

        def _find(self, owner: UserId, query: TodoQuery) -> list[TodoId]:
            with backend.unit_of_work() as uow:
                return [t.id for t in uow.todos.find(owner, query)]

        def _pick(self, data: st.DataObject) -> Todo | None:
            if not self.model.todos:
                return None
            # Insertion order, not id order: ids are random, and a draw must not depend on them.
            return data.draw(st.sampled_from(list(self.model.todos.values())))

        def _tick(self, data: st.DataObject) -> None:
            self.clock += timedelta(seconds=data.draw(st.sampled_from([0, 0.000001, 1])))

        @rule(
            owner=st.sampled_from(USERS),
            title=TITLES,
            priority=st.sampled_from(Priority),
            due=DUE,
            completed=st.booleans(),
            data=st.data(),
        )
        def create(
            self,
            *,
            owner: UserId,
            title: str,
            priority: Priority,
            due: datetime | None,
            completed: bool,
            data: st.DataObject,
        ) -> None:
            self._tick(data)
            new = NewTodo(title=title, priority=priority, due_at=due, completed=completed)
            todo = Todo.create(uuid.uuid4(), owner, new, self.clock)
            with backend.unit_of_work() as uow:
                user = uow.users.add_if_absent(make_user(owner, created_at=self.clock))
                uow.todos.add(todo)
                uow.commit()
            assert user == self.model.users.setdefault(owner, user)
            self.model.todos[todo.id] = todo
            self.seen.append(todo)

        @rule(data=st.data(), title=st.none() | TITLES, due=st.none() | DUE, commit=st.booleans())
        def update(
            self, data: st.DataObject, title: str | None, due: datetime | None, commit: bool
        ) -> None:
            todo = self._pick(data)
            if todo is None:
                return
            self._tick(data)
            changes = TodoChanges(due_at=due) if title is None else TodoChanges(title=title)
            changed = todo.changed(changes, self.clock)
            if changed is todo:
                return
            with backend.unit_of_work() as uow:
                assert uow.todos.get(todo.owner_id, todo.id, for_update=True) == todo
                uow.todos.save(changed)
                if commit:
                    uow.commit()
            if commit:
                self.model.todos[todo.id] = changed
                self.seen.append(changed)

        @rule(data=st.data())
        def toggle(self, data: st.DataObject) -> None:
            todo = self._pick(data)
            if todo is None:
                return
            self._tick(data)
            toggled = todo.toggled(self.clock)
            with backend.unit_of_work() as uow:
                uow.todos.save(toggled)
                uow.commit()
            self.model.todos[todo.id] = toggled
            self.seen.append(toggled)

        @rule(data=st.data())
        def write_a_stale_version(self, data: st.DataObject) -> None:
            if not self.seen:
                return
            old = data.draw(st.sampled_from(self.seen))
            current = self.model.todos.get(old.id)
            stale = current is None or current.version != old.version
            with backend.unit_of_work() as uow:
                try:
                    if data.draw(st.booleans()):
                        uow.todos.remove(old, T0)
                    else:
                        uow.todos.save(replace(old, title="stale", version=old.version + 1))
                    refused = False
                except StaleWriteError:
                    refused = True
            assert refused == stale

        @rule(data=st.data())
        def delete(self, data: st.DataObject) -> None:
            todo = self._pick(data)
            if todo is None:
                return
            with backend.unit_of_work() as uow:
                uow.todos.remove(todo, T0)
                uow.commit()
            del self.model.todos[todo.id]

        @rule(data=st.data(), owner=st.sampled_from(USERS))
        def get(self, data: st.DataObject, owner: UserId) -> None:
            todo = self._pick(data)
            if todo is None:
                return
            with backend.unit_of_work() as uow:
                got = uow.todos.get(owner, todo.id)
            assert got == (todo if todo.owner_id == owner else None)

        @rule(
            owner=st.sampled_from(USERS),
            filters=FILTERS,
            sort=SORTS,
            limit=st.integers(min_value=1, max_value=4),
            offset=st.integers(min_value=0, max_value=3),
            data=st.data(),
        )
        def list_todos(
            self,
            *,
            owner: UserId,
            filters: TodoFilters,
            sort: Sort,
            limit: int,
            offset: int,
            data: st.DataObject,
        ) -> None:
            after = None
            use_cursor = bool(self.seen) and data.draw(st.booleans(), label="use a cursor")
            if use_cursor:
                after = Position.of(data.draw(st.sampled_from(self.seen)), sort.field)
                offset = 0
            query = TodoQuery(filters, sort, limit, offset, after)
            assert self._find(owner, query) == self.model.find(owner, query)
            with backend.unit_of_work() as uow:
                count = uow.todos.count(owner, filters)
                page, total = uow.todos.find_with_total(owner, query)
            assert count == self.model.count(owner, filters)
            assert ([t.id for t in page], total) == (self.model.find(owner, query), count)

    return RepositoryAgreesWithTheModel


def test_every_history_of_writes_and_reads_agrees_with_the_plain_model(backend: Backend) -> None:
    run_state_machine_as_test(
        machine_for(backend),
        settings=settings(
            max_examples=EXAMPLES.get(backend.name, SQL_EXAMPLES),
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
