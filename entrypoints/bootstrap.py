import secrets
from typing import Any

from dependency_injector import providers
from pydantic import ValidationError

from todo_service.application import TodoService
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.settings import (
    ConfigurationError,
    ServiceSettings,
    derived_cursor_secret,
    one_line,
)


def build_container(settings: ServiceSettings, *, on_event_loop: bool = False) -> Container:
    """The composition root; fails fast (ConfigurationError) on an unusable database.

    `on_event_loop`: the service will be called from an event loop (the HTTP app),
    through `Storage.call`, rather than from plain threads.
    """
    container = Container(settings=settings)
    container.on_event_loop.override(providers.Object(on_event_loop))
    container.storage()
    return container


def require_serving_configuration(container: Container) -> None:
    """Build now what serving needs, so bad settings stop start-up, not the first request."""
    container.token_verifier()
    container.service()


def build_service(settings: ServiceSettings) -> TodoService:
    """The todo service over the storage `settings` name, without HTTP."""
    container = build_container(settings)
    if derived_cursor_secret(settings) is None:
        # Good for one process only; several workers must share CURSOR_SECRET.
        container.cursor_secret.override(providers.Object(secrets.token_bytes(32)))
    return container.service()


def bootstrap(
    database_url: str, *, cursor_secret: str | None = None, **options: Any
) -> TodoService:
    """The todo service for a caller in this process, built from these arguments alone.

    It reads no environment variable and no `.env`: the host's settings stay the host's.
    `options` are any other service setting by its lower-case name (`database_pool_size=5`,
    `idempotency_ttl_seconds=3600`, ...; see the README's configuration table). Without a
    `cursor_secret` (32+ bytes), cursors are signed with a random key of this process.
    Raises ConfigurationError, with one line naming what is wrong, for a bad argument or a
    database that cannot be used.
    """
    try:
        settings = ServiceSettings(
            database_url=database_url, cursor_secret=cursor_secret, **options
        )
    except ValidationError as error:
        raise ConfigurationError(one_line(error, as_variables=False)) from None
    return build_service(settings)
