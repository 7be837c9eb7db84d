from todo_service.adapters.memory.rate_limiter import InProcessRateLimiter
from todo_service.adapters.memory.store import InMemoryStore
from todo_service.adapters.memory.unit_of_work import InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork", "InProcessRateLimiter"]
