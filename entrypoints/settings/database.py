"""The database: where the todos are kept, and how its connections are pooled and timed."""

from pydantic import BaseModel, ConfigDict, Field, field_validator

MEMORY_URL = "memory://"


class DatabaseSettings(BaseModel):
    """The database's URL, its connection pool and its timeouts."""

    model_config = ConfigDict(extra="forbid")

    database_url: str = Field(
        default="sqlite:///./todo.db",
        description="SQLAlchemy URL (a relative SQLite path is relative to the working "
        "folder); `memory://` keeps everything in this process.",
    )
    # Every number has a lower and an upper bound, so that a value which would only fail
    # later (an overflowing timedelta, an infinite cache) stops start-up instead
    # (tests/unit/entrypoints/test_setting_bounds.py holds every numeric field to it).
    database_pool_size: int = Field(default=10, ge=1, le=1000, description="Connections kept open.")
    database_max_overflow: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="Extra connections at peak, closed as soon as returned.",
    )
    database_pool_timeout_seconds: float = Field(
        default=5,
        gt=0,
        le=300,
        allow_inf_nan=False,
        description="Wait for a free connection before answering 503.",
    )
    database_connect_timeout_seconds: int = Field(
        default=5, ge=1, le=300, description="Give up connecting to the database after this long."
    )
    database_pool_recycle_seconds: int = Field(
        default=300, ge=1, le=86400, description="Replace connections older than this."
    )
    database_ping_idle_seconds: float = Field(
        default=2,
        ge=0,
        le=3600,
        allow_inf_nan=False,
        description="Ping a pooled connection idle longer than this before use; 0: always.",
    )
    database_prepare_threshold: int | None = Field(
        default=5,
        ge=0,
        le=10_000,
        description="psycopg server-side prepares; `none` behind PgBouncer transaction mode.",
    )
    database_search_timeout_ms: int = Field(
        default=2000,
        ge=100,
        le=60_000,
        description="PostgreSQL stops a search (`GET /api/todos?q=`) that runs longer than "
        "this, and the request answers 503: no search holds a connection for long.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=0, le=600_000, description="SQLite lock wait."
    )

    @field_validator("database_prepare_threshold", mode="before")
    @classmethod
    def _none_disables_prepares(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in {"", "none"}:
            return None
        return value

    @property
    def uses_memory(self) -> bool:
        return self.database_url == MEMORY_URL

    @property
    def database_scheme(self) -> str:
        """The URL's scheme only: safe to print, unlike the URL and its password."""
        return self.database_url.partition("://")[0] or "(none)"
