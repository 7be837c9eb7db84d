from todo_service.adapters.sql.engine import SqlEngineOptions, build_engine, is_cooperative
from todo_service.adapters.sql.health import database_is_reachable
from todo_service.adapters.sql.migrate import downgrade_to_base, migrate_to_head, schema_is_current
from todo_service.adapters.sql.repositories import SqlTodoRepository, SqlUserRepository
from todo_service.adapters.sql.unit_of_work import SqlUnitOfWork
from todo_service.adapters.sql.urls import normalize_database_url

__all__ = [
    "SqlEngineOptions",
    "SqlTodoRepository",
    "SqlUnitOfWork",
    "SqlUserRepository",
    "build_engine",
    "database_is_reachable",
    "downgrade_to_base",
    "is_cooperative",
    "migrate_to_head",
    "normalize_database_url",
    "schema_is_current",
]
