from datetime import timedelta

from dependency_injector import containers, providers

from todo_service.adapters.jwt import PyJwtTokenVerifier
from todo_service.adapters.system import RandomIdGenerator, SystemClock
from todo_service.application import TodoService
from todo_service.application.changes import SyncTokens
from todo_service.application.cursors import CursorCodec
from todo_service.application.use_cases import (
    Authenticate,
    CachedCurrentUser,
    CachedTokenVerifier,
    CreateTodo,
    CurrentUser,
    DeleteTodo,
    DeleteTodos,
    GetTodo,
    ListTodos,
    MoveTodo,
    PurgeExpiredIdempotencyKeys,
    PurgeExpiredTombstones,
    SetUserActive,
    SyncTodos,
    ToggleTodo,
    UpdateTodo,
    UpdateTodos,
)
from todo_service.entrypoints import configuration
from todo_service.entrypoints.database_watch import DatabaseWatch
from todo_service.entrypoints.settings import ServiceSettings
from todo_service.entrypoints.storage import MemoryStorage, SqlStorage


def storage_kind(settings: ServiceSettings) -> str:
    return "memory" if settings.uses_memory else "sql"


class Container(containers.DeclarativeContainer):
    """The only place that knows which adapter fills which port.

    It alone builds: every adapter, every use case, and `service`, the facade an
    in-process caller gets. Tests swap parts with `container.<provider>.override(...)`
    before first use: singletons are built from what is in place then.
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

    # Each use case, built here and nowhere else: the HTTP routes ask for them one by one,
    # and `service` gathers them for in-process callers.
    unit_of_work = storage.provided.unit_of_work
    quota = providers.Singleton(configuration.quota, settings)
    # Each user's allowance of reads and writes; the use cases say which they spend.
    rate_limits = providers.Singleton(configuration.rate_limits, settings)
    create_todo = providers.Singleton(
        CreateTodo,
        unit_of_work,
        clock,
        ids,
        providers.Callable(configuration.idempotency_ttl, settings),
        quota,
        rate_limits=rate_limits,
    )
    get_todo = providers.Singleton(GetTodo, unit_of_work, rate_limits=rate_limits)
    update_todo = providers.Singleton(
        UpdateTodo, unit_of_work, clock, quota, rate_limits=rate_limits
    )
    delete_todo = providers.Singleton(DeleteTodo, unit_of_work, clock, rate_limits=rate_limits)
    toggle_todo = providers.Singleton(ToggleTodo, unit_of_work, clock, rate_limits=rate_limits)
    move_todo = providers.Singleton(MoveTodo, unit_of_work, clock, rate_limits=rate_limits)
    delete_todos = providers.Singleton(DeleteTodos, unit_of_work, clock, rate_limits=rate_limits)
    update_todos = providers.Singleton(UpdateTodos, unit_of_work, clock, rate_limits=rate_limits)
    list_todos = providers.Singleton(
        ListTodos,
        unit_of_work,
        providers.Singleton(CursorCodec, cursor_secret),
        rate_limits=rate_limits,
    )
    change_retention = providers.Callable(configuration.change_retention, settings)
    sync_tokens = providers.Singleton(SyncTokens, cursor_secret, change_retention)
    sync_todos = providers.Singleton(
        SyncTodos, unit_of_work, sync_tokens, clock, rate_limits=rate_limits
    )
    # The syncs a live update stream runs when its user's todos change: the stream itself
    # was counted as a read when it opened, and the writes it reports as writes.
    stream_sync = providers.Singleton(SyncTodos, unit_of_work, sync_tokens, clock)
    current_user = providers.Singleton(CurrentUser, unit_of_work, clock)
    set_user_active = providers.Singleton(SetUserActive, unit_of_work)
    purge_expired_idempotency_keys = providers.Singleton(
        PurgeExpiredIdempotencyKeys, unit_of_work, clock
    )
    purge_expired_tombstones = providers.Singleton(
        PurgeExpiredTombstones, unit_of_work, clock, change_retention
    )
    service = providers.Singleton(
        TodoService,
        create_todo=create_todo,
        get_todo=get_todo,
        update_todo=update_todo,
        delete_todo=delete_todo,
        toggle_todo=toggle_todo,
        move_todo=move_todo,
        list_todos=list_todos,
        sync_todos=sync_todos,
        delete_todos=delete_todos,
        update_todos=update_todos,
        current_user=current_user,
        set_user_active=set_user_active,
        purge_expired_idempotency_keys=purge_expired_idempotency_keys,
        purge_expired_tombstones=purge_expired_tombstones,
    )

    # One bound for both: how long a deactivation or a withdrawn signing key may go unseen.
    cache_bound = providers.Callable(lambda s: timedelta(seconds=s.user_cache_seconds), settings)
    cached_current_user = providers.Singleton(CachedCurrentUser, current_user, clock, cache_bound)
    authenticate = providers.Singleton(
        Authenticate,
        providers.Singleton(CachedTokenVerifier, token_verifier, clock, cache_bound),
        cached_current_user,
    )
