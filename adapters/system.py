import uuid
from datetime import UTC, datetime

from todo_service.application.ports import Clock, IdGenerator
from todo_service.domain import TodoId


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIdGenerator(IdGenerator):
    def new_todo_id(self) -> TodoId:
        return uuid.uuid4()
