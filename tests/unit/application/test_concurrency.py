from concurrent.futures import ThreadPoolExecutor

from tests.factories import ALICE
from todo_service.application import TodoService
from todo_service.domain import NewTodo, TodoChanges

WRITERS = 40


def test_concurrent_toggles_are_never_lost(service: TodoService) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="flip me"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: service.toggle_todo(ALICE, todo.id), range(WRITERS)))
    final = service.get_todo(ALICE, todo.id)
    assert final.version == 1 + WRITERS
    assert final.completed is (WRITERS % 2 == 1)


def test_concurrent_updates_of_different_fields_all_land(service: TodoService) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="a"))
    changes = [TodoChanges(title="b"), TodoChanges(description="d"), TodoChanges(completed=True)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda c: service.update_todo(ALICE, todo.id, c), changes))
    final = service.get_todo(ALICE, todo.id)
    assert (final.title, final.description, final.completed, final.version) == ("b", "d", True, 4)
