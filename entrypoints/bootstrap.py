import secrets

from dependency_injector import providers

from todo_service.application import TodoService
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.settings import Settings, derived_cursor_secret


def build_container(settings: Settings, *, on_event_loop: bool = False) -> Container:
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


def bootstrap(settings: Settings | None = None, **overrides: str) -> TodoService:
    """Build the todo service from settings (the environment by default), without HTTP."""
    settings = settings or Settings(**overrides)  # type: ignore[arg-type]
    container = build_container(settings)
    if derived_cursor_secret(settings) is None:
        # Good for one process only; several workers must share CURSOR_SECRET.
        container.cursor_secret.override(providers.Object(secrets.token_bytes(32)))
    return container.service()
