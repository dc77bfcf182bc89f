"""Initial schema: projects, secrets, containers, orders.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("kek_wrapped", sa.LargeBinary(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("external_id",
                            name="uniq_projects0external_id"),
    )
    op.create_table(
        "secrets",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("creator_id", sa.String(255), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("secret_type", sa.String(32), nullable=False),
        sa.Column("algorithm", sa.String(255), nullable=True),
        sa.Column("bit_length", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(255), nullable=True),
        sa.Column("expiration", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=True),
        sa.Column("encrypted_payload", sa.LargeBinary(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_secrets"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name="fk_secrets_project_id_projects"),
    )
    op.create_index("ix_secrets_project_id_deleted", "secrets",
                    ["project_id", "deleted"])
    op.create_table(
        "containers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("creator_id", sa.String(255), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_containers"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name="fk_containers_project_id_projects"),
    )
    op.create_index("ix_containers_project_id_deleted", "containers",
                    ["project_id", "deleted"])
    op.create_table(
        "container_secrets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("container_id", sa.String(36), nullable=False),
        sa.Column("secret_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_container_secrets"),
        sa.ForeignKeyConstraint(
            ["container_id"], ["containers.id"],
            name="fk_container_secrets_container_id_containers"),
        sa.ForeignKeyConstraint(
            ["secret_id"], ["secrets.id"],
            name="fk_container_secrets_secret_id_secrets"),
        sa.UniqueConstraint("container_id", "name",
                            name="uniq_container_secrets0container_id_name"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("creator_id", sa.String(255), nullable=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sub_status", sa.String(36), nullable=True),
        sa.Column("sub_status_message", sa.String(255), nullable=True),
        sa.Column("error_status_code", sa.String(16), nullable=True),
        sa.Column("error_reason", sa.String(255), nullable=True),
        sa.Column("secret_id", sa.String(36), nullable=True),
        sa.Column("container_id", sa.String(36), nullable=True),
        sa.Column("plugin_name", sa.String(255), nullable=True),
        sa.Column("plugin_meta", sa.JSON(), nullable=False),
        sa.Column("core_meta", sa.JSON(), nullable=False),
        sa.Column("next_action", sa.String(20), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires", sa.DateTime(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name="fk_orders_project_id_projects"),
        sa.ForeignKeyConstraint(["secret_id"], ["secrets.id"],
                                name="fk_orders_secret_id_secrets"),
        sa.ForeignKeyConstraint(["container_id"], ["containers.id"],
                                name="fk_orders_container_id_containers"),
    )
    op.create_index("ix_orders_project_id_deleted_created_at", "orders",
                    ["project_id", "deleted", "created_at"])
    op.create_index("ix_orders_next_action_due_at", "orders",
                    ["next_action", "due_at"])
