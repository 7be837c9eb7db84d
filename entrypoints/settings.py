from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration from the environment (or a `.env` file); read once, at start-up."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./todo.db",
        description="SQLAlchemy URL; `memory://` keeps everything in this process.",
    )
    cursor_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs pagination cursors; share it across workers (32+ bytes).",
    )
