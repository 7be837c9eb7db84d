from fastapi import FastAPI

from todo_service.entrypoints.bootstrap import build_container, require_serving_configuration
from todo_service.entrypoints.http.app import create_app, edge_options
from todo_service.entrypoints.http.metrics import worker_metrics
from todo_service.entrypoints.settings import Settings

APP_FACTORY = "todo_service.entrypoints.http.asgi:create_app_from_environment"


def create_app_from_environment() -> FastAPI:
    """The app configured from the environment: what each uvicorn worker process imports.

    Every worker reads the same settings, so what must be shared across workers
    (the JWT and cursor keys, the database) is shared by configuration.
    """
    settings = Settings()
    container = build_container(settings, on_event_loop=True)
    require_serving_configuration(container)
    return create_app(container, metrics=worker_metrics(settings), **edge_options(settings))
