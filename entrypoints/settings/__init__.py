"""The settings, one small model per concern, composed into the two classes callers use.

- `database`: the database's URL, pool and timeouts;
- `tokens`: tokens and identity providers, the cursor key, the cache of verified users;
- `limits`: retention, per-user quotas and rate limits;
- `edge`: the HTTP server's address, workers, draining, connection limits, streams, CORS;
- `observability`: logs and metrics.

`ServiceSettings` is the first three: what the service needs whoever builds it. `Settings`
adds the last two, the server's own, and reads them all from the environment. They are
composed by inheritance, not nested, so every field keeps its flat variable name
(`DATABASE_URL`, `JWT_SECRET`...). A check that reads several concerns lives on the class
that composes them.
"""

from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from todo_service.entrypoints.settings.common import ConfigurationError, one_line, split_list
from todo_service.entrypoints.settings.database import MEMORY_URL, DatabaseSettings
from todo_service.entrypoints.settings.edge import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    EdgeSettings,
    default_base_url,
)
from todo_service.entrypoints.settings.limits import (
    MAX_BURST,
    MAX_IDEMPOTENCY_TTL_SECONDS,
    MAX_RATE_PER_MINUTE,
    LimitSettings,
)
from todo_service.entrypoints.settings.observability import ObservabilitySettings
from todo_service.entrypoints.settings.tokens import (
    MAX_USER_CACHE_SECONDS,
    TokenSettings,
    derived_cursor_secret,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "MAX_BURST",
    "MAX_IDEMPOTENCY_TTL_SECONDS",
    "MAX_RATE_PER_MINUTE",
    "MAX_USER_CACHE_SECONDS",
    "MEMORY_URL",
    "SERVER_CONCERNS",
    "SERVICE_CONCERNS",
    "ConfigurationError",
    "DatabaseSettings",
    "EdgeSettings",
    "LimitSettings",
    "ObservabilitySettings",
    "ServiceSettings",
    "Settings",
    "TokenSettings",
    "default_base_url",
    "derived_cursor_secret",
    "one_line",
    "split_list",
]

# The concerns in the order of their fields in `model_fields` (and so of `todo serve
# --help` and the README's tables). Pydantic lists the fields of the last base first, so
# the classes below name their bases in the reverse of this order.
SERVICE_CONCERNS = (DatabaseSettings, TokenSettings, LimitSettings)
SERVER_CONCERNS = (EdgeSettings, ObservabilitySettings)


class ServiceSettings(LimitSettings, TokenSettings, DatabaseSettings):
    """What the service itself needs, whoever builds it; reads nothing by itself.

    An in-process caller passes these to `bootstrap()`; `Settings` reads them, and the
    server's own, from the environment for the command line.
    """

    model_config = ConfigDict(extra="forbid")


class Settings(ObservabilitySettings, EdgeSettings, ServiceSettings, BaseSettings):
    """A command-line process's settings: the service's and the server's, read once at
    start-up from the environment or a `.env` file in the working folder (the environment
    wins). Only the command line and the ASGI factory read them; `bootstrap()` never does."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Reads the edge's PORT, validated before METRICS_PORT since the edge's fields come first.
    @field_validator("metrics_port")
    @classmethod
    def _metrics_apart_from_the_api(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and value == info.data.get("port"):
            raise ValueError("must differ from PORT: the metrics are served apart from the API")
        return value
