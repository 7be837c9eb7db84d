"""A placement reads the list outward from its gap a page at a time, as far as it needs."""

from tests.factories import ALICE, SequentialIds, todo_service
from todo_service.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from todo_service.application import RateLimits
from todo_service.domain import After, NewTodo


def test_a_long_dense_run_is_renumbered_across_pages_and_stays_in_order() -> None:
    store = InMemoryStore()
    unlimited = RateLimits.off()
    service = todo_service(
        lambda: InMemoryUnitOfWork(store), ids=SequentialIds(), rate_limits=unlimited
    )
    # 250 orders one apart, as a client that numbers its list itself would leave them.
    todos = [service.create_todo(ALICE, NewTodo(title=f"{n:03}", order=n)) for n in range(250)]

    service.move_todo(ALICE, todos[-1].id, After(todos[100].id))

    with_orders = [service.get_todo(ALICE, todo.id) for todo in todos]
    listed = sorted(with_orders, key=lambda todo: (todo.order, todo.id))
    expected = [*todos[:101], todos[-1], *todos[101:-1]]
    assert [todo.id for todo in listed] == [todo.id for todo in expected]
    orders = [todo.order for todo in listed]
    assert orders == sorted(set(orders))
