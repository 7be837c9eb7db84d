"""Manual order: where a todo stands in its owner's list, and how a move finds room.

A list reads by `order` ascending, ties broken by id. The service spaces the orders
it chooses ORDER_STEP apart, so a todo moved between two others nearly always takes
a free integer between theirs and nothing else changes. When no integer is left
between them, `make_room` renumbers the nearest todos around the gap, as few as it
can, and only then places the todo: the list changes where the move asked, nowhere
else, and its order stays a valid order (within MIN_ORDER..MAX_ORDER) throughout.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from todo_service.domain.todo import TodoId
from todo_service.domain.values import MAX_ORDER, MIN_ORDER

# The room the service leaves between two orders it chooses: 16 moves into one gap
# before its neighbours need renumbering, 2^37 todos appended before the end is reached.
ORDER_STEP = 2**16
# Open ends: the first integer past each end of the valid orders.
_BELOW = MIN_ORDER - 1
_ABOVE = MAX_ORDER + 1


class Edge(StrEnum):
    """An end of the list: a todo moved there comes first (`start`) or last (`end`)."""

    START = "start"
    END = "end"


@dataclass(frozen=True, slots=True)
class Before:
    """Just before another of the owner's todos (`anchor`), in the list's order."""

    anchor: TodoId


@dataclass(frozen=True, slots=True)
class After:
    """Just after another of the owner's todos (`anchor`), in the list's order."""

    anchor: TodoId


Placement = Edge | Before | After


@dataclass(frozen=True, slots=True)
class Room:
    """Where a placed todo goes (`order`), and the new orders of its nearest neighbours
    that had to move to make room: `before` for the todos just before the gap,
    `after` for those just after it, each nearest first."""

    order: int
    before: tuple[int, ...] = ()
    after: tuple[int, ...] = ()


def order_between(before: int | None, after: int | None) -> int | None:
    """A free order strictly between two neighbours' (None: that side is the list's end),
    or None when no integer is left there.

    At an end the todo goes ORDER_STEP past its neighbour, as far as the valid orders
    allow; between two todos, halfway.
    """
    if before is None and after is None:
        return 0
    low = _BELOW if before is None else before
    high = _ABOVE if after is None else after
    if high - low < 2:
        return None
    halfway = low + (high - low) // 2
    if before is None:
        return max(high - ORDER_STEP, halfway)
    if after is None:
        return min(low + ORDER_STEP, halfway)
    return halfway


def make_room(before: Iterable[int], after: Iterable[int]) -> Room:
    """Room for one todo in the gap between two runs of orders.

    `before` gives the orders of the todos before the gap, nearest first (so
    descending), `after` those after it, nearest first (ascending); each is read only
    as far as needed, so either may be a lazy walk through a long list. Where the gap
    has a free integer nothing moves. Otherwise the window of renumbered todos widens
    around the gap, one todo at a time on alternate sides, until its todos and the
    placed one fit evenly between the window's outer neighbours with a free integer
    between every two: the next move into the same region then finds room at once.
    """
    lefts, rights = iter(before), iter(after)
    low, high = next(lefts, None), next(rights, None)
    placed = order_between(low, high)
    if placed is not None:
        return Room(placed)
    left: list[int] = []
    right: list[int] = []
    while True:
        if low is not None and (high is None or len(left) <= len(right)):
            left.append(low)
            low = next(lefts, None)
        elif high is not None:
            right.append(high)
            high = next(rights, None)
        orders = _spread(low, high, len(left) + 1 + len(right))
        if orders is not None:
            split = len(left)
            return Room(
                orders[split],
                before=tuple(reversed(orders[:split])),
                after=tuple(orders[split + 1 :]),
            )


def _spread(low: int | None, high: int | None, count: int) -> list[int] | None:
    """`count` ascending orders strictly between `low` and `high` (None: an open end),
    evenly spaced at least 2 apart; None when they do not fit.

    Towards an open end the orders stay ORDER_STEP apart, as appended todos are,
    rather than scattering over the whole range.
    """
    reach = ORDER_STEP * (count + 1)
    if high is not None:
        bottom = max(_BELOW, high - reach) if low is None else low
        top = high
    else:
        bottom = -ORDER_STEP if low is None else low
        top = min(_ABOVE, bottom + reach)
    spacing = (top - bottom) // (count + 1)
    if spacing < 2:
        return None
    return [bottom + spacing * (i + 1) for i in range(count)]
