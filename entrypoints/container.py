from datetime import timedelta
from typing import Any

from dependency_injector import containers, providers

from todo_service.adapters.jwt import PyJwtTokenVerifier
from todo_service.adapters.system import RandomIdGenerator, SystemClock
from todo_service.application import TodoService
from todo_service.application.use_cases import Authenticate, CachedCurrentUser, CachedTokenVerifier
from todo_service.entrypoints import configuration
from todo_service.entrypoints.database_watch import DatabaseWatch
from todo_service.entrypoints.settings import ServiceSettings
from todo_service.entrypoints.storage import MemoryStorage, SqlStorage


def _use_case(service: providers.Provider[TodoService], name: str) -> providers.Provider[Any]:
    # A plain provider, unlike `service.provided.<name>`, can be overridden on its own.
    return providers.Callable(getattr, service, name)


def storage_kind(settings: ServiceSettings) -> str:
    return "memory" if settings.uses_memory else "sql"


class Container(containers.DeclarativeContainer):
    """The only place that knows which adapter fills which port.

    Tests swap parts with `container.<provider>.override(...)` before first use:
    `service` and `authenticate` are singletons built from what is in place then.
    """

    settings = providers.Dependency(instance_of=ServiceSettings)
    # True in a process that serves HTTP: PostgreSQL then waits on the event loop.
    on_event_loop = providers.Object(False)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIdGenerator)
    cursor_secret = providers.Singleton(configuration.cursor_secret, settings)

    # The database, chosen by DATABASE_URL's scheme: the one seam for the SQL adapter.
    storage = providers.Selector(
        providers.Callable(storage_kind, settings),
        memory=providers.Singleton(MemoryStorage),
        sql=providers.Singleton(
            SqlStorage,
            settings.provided.database_url,
            providers.Callable(configuration.sql_engine_options, settings),
            cooperative=on_event_loop,
        ),
    )

    # Tells the log when the database stops or starts answering; readiness asks it too.
    database_watch = providers.Singleton(DatabaseWatch, storage)

    jwt_config = providers.Singleton(configuration.jwt_config, settings)
    token_verifier = providers.Singleton(PyJwtTokenVerifier, jwt_config)

    service = providers.Singleton(
        TodoService.build,
        unit_of_work=storage.provided.unit_of_work,
        clock=clock,
        ids=ids,
        cursor_secret=cursor_secret,
        idempotency_ttl=providers.Callable(configuration.idempotency_ttl, settings),
    )
    create_todo = _use_case(service, "create_todo")
    get_todo = _use_case(service, "get_todo")
    update_todo = _use_case(service, "update_todo")
    delete_todo = _use_case(service, "delete_todo")
    toggle_todo = _use_case(service, "toggle_todo")
    list_todos = _use_case(service, "list_todos")
    # One bound for both: how long a deactivation or a withdrawn signing key may go unseen.
    cache_bound = providers.Callable(lambda s: timedelta(seconds=s.user_cache_seconds), settings)
    current_user = providers.Singleton(
        CachedCurrentUser, service.provided.current_user, clock, cache_bound
    )
    authenticate = providers.Singleton(
        Authenticate,
        providers.Singleton(CachedTokenVerifier, token_verifier, clock, cache_bound),
        current_user,
    )
