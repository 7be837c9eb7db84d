from todo_service.adapters.sql.diagnosis import (
    DatabaseProblem,
    DatabaseState,
    diagnose,
    masked_url,
)
from todo_service.adapters.sql.engine import SqlEngineOptions, build_engine, is_cooperative
from todo_service.adapters.sql.migrate import downgrade_to_base, migrate_to_head, schema_is_current
from todo_service.adapters.sql.readiness import probe
from todo_service.adapters.sql.repositories import SqlTodoRepository, SqlUserRepository
from todo_service.adapters.sql.unit_of_work import SqlUnitOfWork
from todo_service.adapters.sql.urls import normalize_database_url

__all__ = [
    "DatabaseProblem",
    "DatabaseState",
    "SqlEngineOptions",
    "SqlTodoRepository",
    "SqlUnitOfWork",
    "SqlUserRepository",
    "build_engine",
    "diagnose",
    "downgrade_to_base",
    "is_cooperative",
    "masked_url",
    "migrate_to_head",
    "normalize_database_url",
    "probe",
    "schema_is_current",
]
