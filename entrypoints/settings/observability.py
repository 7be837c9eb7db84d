"""Observability: the log lines on stderr and the Prometheus metrics endpoint."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from todo_service.entrypoints.logging_setup import LogFormat
from todo_service.entrypoints.settings.common import blank_means_unset


class ObservabilitySettings(BaseModel):
    """Log level and format, the access log, and where the metrics are served.

    That METRICS_PORT differs from PORT is checked where both are known: in `Settings`.
    """

    model_config = ConfigDict(extra="forbid")

    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        default="info", description="Log level of the log lines on stderr."
    )
    log_format: LogFormat = Field(
        default="auto",
        description="`json` (one object per line, for log shippers), `text` (the same fields "
        "as readable lines) or `auto`: text when stderr is a terminal, else JSON.",
    )
    access_log: bool = Field(default=True, description="Log every request (off in production).")
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the Prometheus metrics endpoint; unset: no metrics at all.",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address the metrics endpoint listens on."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _lowercase_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_port_means_off(cls, value: object) -> object:
        return blank_means_unset(value)
