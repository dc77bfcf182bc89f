"""The migrations walk on SQLite and PostgreSQL and match the models."""

from alembic import autogenerate
from alembic import migration as alembic_migration
from alembic import script as alembic_script
import pytest

from barbican_certs.model import migration
from barbican_certs.model import models
from barbican_certs.model import repositories


def _walk_and_compare(url: str) -> None:
    engine = repositories.create_engine(url)
    try:
        directory = alembic_script.ScriptDirectory(
            migration.script_location())
        revisions = [r.revision for r in directory.walk_revisions()]
        revisions.reverse()
        assert revisions, "no migration scripts found"
        for revision in revisions:
            migration.upgrade(engine, revision)
            assert migration.current(engine) == (revision,)
        assert migration.current(engine) == migration.heads()

        with engine.connect() as conn:
            context = alembic_migration.MigrationContext.configure(conn)
            diff = autogenerate.compare_metadata(context,
                                                 models.Base.metadata)
        assert diff == []

        # A second upgrade is a no-op, as every process start runs one.
        migration.upgrade(engine)
        assert migration.current(engine) == migration.heads()
    finally:
        engine.dispose()


class TestMigrations:
    def test_walk_sqlite_matches_models(self, tmp_path):
        _walk_and_compare("sqlite:///%s" % (tmp_path / "walk.sqlite"))

    def test_walk_postgresql_matches_models(self, pg_schema_url):
        _walk_and_compare(pg_schema_url)

    def test_every_revision_has_docstring_and_named_file(self):
        directory = alembic_script.ScriptDirectory(
            migration.script_location())
        for rev in directory.walk_revisions():
            assert rev.module.__doc__, rev.revision
            assert rev.path.rsplit("/", 1)[-1].startswith(
                rev.revision + "_")

    def test_migrations_are_upgrade_only(self):
        directory = alembic_script.ScriptDirectory(
            migration.script_location())
        for rev in directory.walk_revisions():
            assert not hasattr(rev.module, "downgrade"), rev.revision

    @pytest.mark.parametrize("table", sorted(models.Base.metadata.tables))
    def test_tables_have_named_constraints(self, table):
        for constraint in models.Base.metadata.tables[table].constraints:
            assert constraint.name, (table, constraint)


def test_constraint_names_fit_postgresql():
    # PostgreSQL truncates identifiers past 63 bytes; SQLAlchemy refuses.
    for table in models.Base.metadata.tables.values():
        for item in list(table.constraints) + list(table.indexes):
            assert len(item.name) <= 63, item.name
