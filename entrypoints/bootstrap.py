import secrets

from adapters.memory import InMemoryStore, InMemoryUnitOfWork
from adapters.system import RandomIdGenerator, SystemClock
from application import TodoService
from entrypoints.settings import Settings


def bootstrap(settings: Settings | None = None, **overrides: str) -> TodoService:
    """Build the todo service from settings (the environment by default), without HTTP."""
    settings = settings or Settings(**overrides)  # type: ignore[arg-type]
    if settings.database_url != "memory://":
        raise NotImplementedError("only database_url='memory://' is available so far")
    store = InMemoryStore()
    return TodoService.build(
        unit_of_work=lambda: InMemoryUnitOfWork(store),
        clock=SystemClock(),
        ids=RandomIdGenerator(),
        cursor_secret=_cursor_secret(settings),
    )


def _cursor_secret(settings: Settings) -> bytes:
    if settings.cursor_secret is None:
        # Good for one process only; several workers must share CURSOR_SECRET.
        return secrets.token_bytes(32)
    return settings.cursor_secret.get_secret_value().encode()
