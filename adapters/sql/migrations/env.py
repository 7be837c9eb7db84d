import sqlalchemy as sa
from alembic import context

from todo_service.adapters.sql.tables import exists_on, metadata

# migrate.py hands over an open connection; Alembic's CLI is not wired up on purpose.
connection: sa.Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=exists_on(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
