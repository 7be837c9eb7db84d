"""Where a placement puts a todo in its owner's list, read from the repository.

The domain's `make_room` decides; this walks the owner's list outward from the gap,
one page at a time and only as far as it asks, and turns its answer into todos to save.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from todo_service.application.listing import (
    MAX_LIMIT,
    Position,
    Sort,
    SortDirection,
    SortField,
    TodoQuery,
)
from todo_service.application.ports import TodoRepository
from todo_service.domain import Todo, TodoChanges, TodoId, UserId
from todo_service.domain.errors import InvalidValueError
from todo_service.domain.ordering import After, Before, Edge, Placement, Room, make_room

# Enough for nearly every placement: the nearest todo past the moved one, and the next.
_FIRST_PAGE = 2


@dataclass(frozen=True, slots=True)
class Placed:
    """The order a placed todo takes, and its neighbours renumbered to make room for it."""

    order: int
    renumbered: tuple[Todo, ...]


def place_new(
    todos: TodoRepository, owner_id: UserId, placement: Placement, now: datetime
) -> Placed:
    """Where `placement` puts a new todo in the owner's list, and the neighbours
    renumbered for it, each one version up at `now`."""
    before, after = _Walk(todos, owner_id, None).around(placement)
    return _placed(before, after, now)


def place_moved(
    todos: TodoRepository, moving: Todo, placement: Placement, now: datetime
) -> Placed | None:
    """Where `placement` puts `moving`, one of its owner's todos, and the neighbours
    renumbered for it, each one version up at `now`; None when it already stands there.

    An anchor that is not one of the owner's todos, or is `moving` itself, is
    InvalidValueError, the same for a missing todo and another user's.
    """
    before, after = _Walk(todos, moving.owner_id, moving.id).around(placement)
    nearest_before, nearest_after = next(before, None), next(after, None)
    if _stands_between(moving, nearest_before, nearest_after):
        return None
    return _placed(
        chain(_present(nearest_before), before), chain(_present(nearest_after), after), now
    )


def _placed(before: Iterator[Todo], after: Iterator[Todo], now: datetime) -> Placed:
    taken_before: list[Todo] = []
    taken_after: list[Todo] = []
    room = make_room(_orders(before, taken_before), _orders(after, taken_after))
    return Placed(room.order, _renumbered(room, taken_before, taken_after, now))


def _renumbered(
    room: Room, before: list[Todo], after: list[Todo], now: datetime
) -> tuple[Todo, ...]:
    # `before` and `after` also hold the window's outer neighbours, which keep their order.
    pairs = chain(zip(before, room.before, strict=False), zip(after, room.after, strict=False))
    changed = [(todo, todo.changed(TodoChanges(order=order), now)) for todo, order in pairs]
    return tuple(new for old, new in changed if new is not old)


class _Walk:
    """The owner's list read outward from a point, page by page, without one todo."""

    def __init__(self, todos: TodoRepository, owner_id: UserId, skipped: TodoId | None) -> None:
        self._todos = todos
        self._owner_id = owner_id
        self._skipped = skipped

    def around(self, placement: Placement) -> tuple[Iterator[Todo], Iterator[Todo]]:
        """The todos before the placement's gap (nearest first) and those after it."""
        match placement:
            case Edge.START:
                return iter(()), self.from_(None, SortDirection.ASC)
            case Edge.END:
                return self.from_(None, SortDirection.DESC), iter(())
            case Before(anchor):
                todo = self._anchor(anchor, "before")
                return self.from_(todo, SortDirection.DESC), chain((todo,), self.from_(todo))
            case After(anchor):
                todo = self._anchor(anchor, "after")
                return chain((todo,), self.from_(todo, SortDirection.DESC)), self.from_(todo)
        raise TypeError(placement)  # pragma: no cover - the match is exhaustive

    def from_(
        self, start: Todo | None, direction: SortDirection = SortDirection.ASC
    ) -> Iterator[Todo]:
        """The todos past `start` (from the list's start: None) in `direction`.

        The first page is just large enough for what nearly every placement reads (the
        nearest todo past the skipped one, and the next); a renumbering that reads on
        gets pages ten times larger each time, up to the largest a listing may read.
        """
        sort = Sort(SortField.ORDER, direction)
        after = None if start is None else Position.of(start, SortField.ORDER)
        limit = _FIRST_PAGE
        while True:
            found = self._todos.find(self._owner_id, TodoQuery(sort=sort, limit=limit, after=after))
            page = found[:limit]
            yield from (todo for todo in page if todo.id != self._skipped)
            if len(found) <= limit:
                return
            after = Position.of(page[-1], SortField.ORDER)
            limit = min(limit * 10, MAX_LIMIT)

    def _anchor(self, anchor: TodoId, name: str) -> Todo:
        todo = None if anchor == self._skipped else self._todos.get(self._owner_id, anchor)
        if todo is None:
            raise InvalidValueError(name, "must name another of the caller's todos")
        return todo


def _present(todo: Todo | None) -> Iterable[Todo]:
    return () if todo is None else (todo,)


def _orders(todos: Iterable[Todo], taken: list[Todo]) -> Iterator[int]:
    """The todos' orders, each todo noted in `taken` as `make_room` reads it."""
    for todo in todos:
        taken.append(todo)
        yield todo.order


def _stands_between(todo: Todo, before: Todo | None, after: Todo | None) -> bool:
    """Whether `todo` already sits between two neighbours in the list's order."""
    return (before is None or _key(before) < _key(todo)) and (
        after is None or _key(todo) < _key(after)
    )


def _key(todo: Todo) -> tuple[int, TodoId]:
    return todo.order, todo.id
