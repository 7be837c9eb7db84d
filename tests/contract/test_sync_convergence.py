"""Random histories of writes and syncs: every client that syncs to the end holds exactly
the user's todos as the server does, whatever happened in between.

One writer changes Alice's todos through the use cases (creates, edits, toggles, moves
that may renumber neighbours, changes and deletions one by one and in bulk) and Bob's
too, which must never reach Alice's clients. Two clients sync at random points: to the end, a page
at a time (leaving a pass half done while writes go on), again from a token they already
used (a response lost on the way), or from scratch.
"""

from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.contract.conftest import Backend
from tests.factories import ALICE, BOB, FixedClock, SequentialIds, todo_service
from todo_service.application import ChangesPage, RateLimits, TodoFilters, TodoService
from todo_service.domain import After, Before, Edge, NewTodo, Todo, TodoChanges, TodoId, UserId

OWNERS = st.sampled_from([ALICE, ALICE, BOB])
TITLES = st.text(alphabet="abc", min_size=1, max_size=3)
# Orders given on create, close together: moves between them run out of room and
# renumber their neighbours, one transaction writing several todos.
ORDERS = st.none() | st.integers(min_value=0, max_value=3)
LIMITS = st.integers(min_value=1, max_value=4)
EXAMPLES = {"memory": 200, "sqlite": 60, "postgres": 25}
STEPS = {"memory": 40, "sqlite": 30, "postgres": 25}
# A pass that goes on longer than this is not ending: fail rather than loop.
MAX_PAGES = 500


@dataclass
class Client:
    """A device: the todos it holds, the token to ask with next, and the one before."""

    todos: dict[TodoId, Todo] = field(default_factory=dict)
    token: str | None = None
    previous: str | None = None
    more: bool = False

    def apply(self, page: ChangesPage, asked_with: str | None) -> None:
        self.todos.update((todo.id, todo) for todo in page.todos)
        for gone in page.deleted:
            self.todos.pop(gone.todo_id, None)
        self.previous, self.token, self.more = asked_with, page.token, page.more


def machine_for(backend: Backend) -> type[RuleBasedStateMachine]:
    class SyncedClientsConverge(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            backend.reset()
            self.clock = FixedClock()
            self.sut: TodoService = todo_service(
                backend.unit_of_work,
                clock=self.clock,
                ids=SequentialIds(),
                rate_limits=RateLimits.off(),
            )
            self.clients = (Client(), Client())
            # Ids in the order they were created (a draw must not depend on uuid order).
            self.live: dict[UserId, list[TodoId]] = {ALICE: [], BOB: []}
            self.bobs_ever: set[TodoId] = set()

        # --- the writer ---------------------------------------------------------------

        def _anyone_has_todos(self) -> bool:
            return any(self.live.values())

        def _pick(self, data: st.DataObject) -> tuple[UserId, TodoId]:
            # Alice's todos first, so that shrinking leans to them.
            live = [(owner, todo_id) for owner in (ALICE, BOB) for todo_id in self.live[owner]]
            return data.draw(st.sampled_from(live), label="todo")

        def _forget_gone(self, owner: UserId) -> None:
            with backend.unit_of_work() as uow:
                present = {todo.id for todo in uow.todos.matching(owner, TodoFilters())}
            self.live[owner] = [todo_id for todo_id in self.live[owner] if todo_id in present]

        @rule(owner=OWNERS, title=TITLES, completed=st.booleans(), order=ORDERS)
        def create(self, owner: UserId, title: str, completed: bool, order: int | None) -> None:
            self.clock.advance()
            new = NewTodo(title=title, completed=completed, order=order)
            todo = self.sut.create_todo(owner, new)
            self.live[owner].append(todo.id)
            if owner == BOB:
                self.bobs_ever.add(todo.id)

        @precondition(_anyone_has_todos)
        @rule(title=TITLES, data=st.data())
        def update_title(self, title: str, data: st.DataObject) -> None:
            owner, todo_id = self._pick(data)
            self.clock.advance()
            self.sut.update_todo(owner, todo_id, TodoChanges(title=title))

        @precondition(_anyone_has_todos)
        @rule(data=st.data())
        def toggle(self, data: st.DataObject) -> None:
            owner, todo_id = self._pick(data)
            self.clock.advance()
            self.sut.toggle_todo(owner, todo_id)

        @precondition(_anyone_has_todos)
        @rule(data=st.data())
        def move(self, data: st.DataObject) -> None:
            owner, todo_id = self._pick(data)
            others = [other for other in self.live[owner] if other != todo_id]
            kinds = ["start", "end", *(["after", "before"] if others else [])]
            kind = data.draw(st.sampled_from(kinds), label="placement")
            placement: Edge | After | Before
            if kind in {"start", "end"}:
                placement = Edge.START if kind == "start" else Edge.END
            else:
                anchor = data.draw(st.sampled_from(others), label="anchor")
                placement = After(anchor) if kind == "after" else Before(anchor)
            self.clock.advance()
            self.sut.move_todo(owner, todo_id, placement)

        @precondition(_anyone_has_todos)
        @rule(data=st.data())
        def delete(self, data: st.DataObject) -> None:
            owner, todo_id = self._pick(data)
            self.sut.delete_todo(owner, todo_id)
            self.live[owner].remove(todo_id)

        @precondition(_anyone_has_todos)
        @rule(owner=OWNERS)
        def clear_completed(self, owner: UserId) -> None:
            self.sut.delete_todos(owner, TodoFilters(completed=True))
            self._forget_gone(owner)

        @precondition(_anyone_has_todos)
        @rule(owner=OWNERS, completed=st.booleans())
        def mark_all(self, owner: UserId, completed: bool) -> None:
            # One transaction changes many todos: their changes share one number, and a
            # page may end in the middle of them.
            self.clock.advance()
            self.sut.update_todos(owner, TodoFilters(), TodoChanges(completed=completed))

        # --- the clients --------------------------------------------------------------

        def _ask(self, client: Client, token: str | None, limit: int) -> None:
            page = self.sut.sync_todos(ALICE, token, limit)
            # Bob's todos, changed or deleted, never reach Alice.
            assert all(todo.owner_id == ALICE for todo in page.todos)
            assert not {gone.todo_id for gone in page.deleted} & self.bobs_ever
            client.apply(page, token)

        @rule(which=st.sampled_from([0, 1]), limit=LIMITS)
        def sync_to_the_end(self, which: int, limit: int) -> None:
            client = self.clients[which]
            self._ask(client, client.token, limit)
            pages = 1
            while client.more:
                assert pages < MAX_PAGES, "the pass does not end"
                self._ask(client, client.token, limit)
                pages += 1
            # The property: a client that synced to the end holds what the server holds.
            assert client.todos == self._alices_todos()

        @rule(which=st.sampled_from([0, 1]), limit=LIMITS)
        def sync_one_page(self, which: int, limit: int) -> None:
            client = self.clients[which]
            self._ask(client, client.token, limit)

        @precondition(lambda self: any(client.previous is not None for client in self.clients))
        @rule(which=st.sampled_from([0, 1]), limit=LIMITS)
        def ask_again_with_the_token_before(self, which: int, limit: int) -> None:
            # The last answer was lost on its way: the client asks again with the token
            # it had, holding what it applied. Ending up right must still be possible.
            client = self.clients[which]
            if client.previous is not None:
                self._ask(client, client.previous, limit)

        @rule(which=st.sampled_from([0, 1]))
        def start_over(self, which: int) -> None:
            # A full sync replaces whatever the client held.
            client = self.clients[which]
            client.todos.clear()
            client.token = client.previous = None
            client.more = False

        def _alices_todos(self) -> dict[TodoId, Todo]:
            with backend.unit_of_work() as uow:
                return {todo.id: todo for todo in uow.todos.matching(ALICE, TodoFilters())}

        @invariant()
        def clients_hold_only_alices_todos(self) -> None:
            for client in self.clients:
                assert all(todo.owner_id == ALICE for todo in client.todos.values())

        def teardown(self) -> None:
            # Whatever the history, a client that now syncs to the end converges.
            for which in (0, 1):
                self.sync_to_the_end(which, 3)

    return SyncedClientsConverge


def test_every_client_that_syncs_to_the_end_holds_exactly_the_users_todos(
    backend: Backend,
) -> None:
    run_state_machine_as_test(
        machine_for(backend),
        settings=settings(
            max_examples=EXAMPLES[backend.name],
            stateful_step_count=STEPS[backend.name],
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
