import sqlalchemy as sa


def database_is_reachable(engine: sa.Engine) -> bool:
    """A cheap `SELECT 1` for readiness probes; any failure is simply False."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception:  # a probe answers; it never raises
        return False
    return True
