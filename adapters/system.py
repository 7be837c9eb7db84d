import uuid
from datetime import UTC, datetime

from application.ports import Clock, IdGenerator
from domain import TodoId


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIdGenerator(IdGenerator):
    def new_todo_id(self) -> TodoId:
        return uuid.uuid4()
