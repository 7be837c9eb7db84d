_POSTGRES_ALIASES = ("postgres", "postgresql")
_SUPPORTED_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
POSTGRES_SCHEME = "postgresql+psycopg"


def normalize_database_url(url: str) -> str:
    """The URL with the driver this adapter uses; refuses databases it does not support.

    Neon and most hosts hand out `postgres://` or `postgresql://` URLs, which
    SQLAlchemy would read as "the psycopg2 driver" or not at all.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ValueError("DATABASE_URL must look like sqlite:///path or postgresql://...")
    if scheme in _POSTGRES_ALIASES:
        return f"{POSTGRES_SCHEME}://{rest}"
    if scheme not in _SUPPORTED_SCHEMES:
        # Only the scheme is echoed: the rest may hold a password.
        raise ValueError(
            f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:/// or postgresql://"
        )
    return url
