"""Alembic environment of barbican-certs.

The connection comes from :mod:`barbican_certs.model.migration`, which
passes it in ``config.attributes``; run the migrations through
``barbican-certs-manage db upgrade`` rather than the alembic command.
"""

from alembic import context

from barbican_certs.model import models

connection = context.config.attributes["connection"]
context.configure(connection=connection,
                  target_metadata=models.Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
