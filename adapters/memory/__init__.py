from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]
