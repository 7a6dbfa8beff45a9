"""The migrations produce exactly the schema the models describe (on SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import models  # noqa: F401  (registers every table)
from models.base import Base


def test_migrated_database_matches_the_models(app):
    with app.extensions["yiwang.engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
