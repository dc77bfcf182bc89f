"""Certificate authorities, project CA lists and preferred CAs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_authorities",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("plugin_name", sa.String(255), nullable=False),
        sa.Column("plugin_ca_id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=True),
        sa.Column("parent_ca_id", sa.String(36), nullable=True),
        sa.Column("creator_id", sa.String(255), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("ca_signing_certificate", sa.Text(), nullable=True),
        sa.Column("intermediates", sa.Text(), nullable=True),
        sa.Column("expiration", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_certificate_authorities"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"],
            name="fk_certificate_authorities_project_id_projects"),
        sa.UniqueConstraint(
            "plugin_name", "plugin_ca_id",
            name="uniq_certificate_authorities0plugin_name_plugin_ca_id"),
    )
    op.create_index("ix_certificate_authorities_project_id",
                    "certificate_authorities", ["project_id"])
    op.create_table(
        "project_cas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("ca_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project_cas"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name="fk_project_cas_project_id_projects"),
        sa.ForeignKeyConstraint(
            ["ca_id"], ["certificate_authorities.id"],
            name="fk_project_cas_ca_id_certificate_authorities"),
        sa.UniqueConstraint("project_id", "ca_id",
                            name="uniq_project_cas0project_id_ca_id"),
    )
    op.create_table(
        "preferred_cas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(36), nullable=False),
        sa.Column("ca_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_preferred_cas"),
        sa.ForeignKeyConstraint(
            ["ca_id"], ["certificate_authorities.id"],
            name="fk_preferred_cas_ca_id_certificate_authorities"),
        sa.UniqueConstraint("scope", name="uniq_preferred_cas0scope"),
    )
