"""SQLAlchemy models: the tables every process shares.

The database is the source of truth (SPEC section 2).  Pending work is a row
in ``orders`` with a due time (``due_at``); a worker owns a row while its
lease (``lease_owner``, ``lease_expires``) runs.  Constraints and indexes
are named so migrations can refer to them.
"""

import datetime
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy import orm

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uniq_%(table_name)s0%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime.datetime:
    """The current UTC time, naive, as every timestamp column stores it."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


class OrderStatus(str, enum.Enum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    ERROR = "ERROR"


class OrderAction(str, enum.Enum):
    """The next piece of work a PENDING order is waiting for."""

    ISSUE = "issue"
    CHECK_STATUS = "check_status"
    MODIFY = "modify"
    CANCEL = "cancel"


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict: sa.JSON}


class TimestampMixin:
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        default=utcnow)
    updated_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow)


class Project(TimestampMixin, Base):
    """A tenant, known by the id its identity service gives it."""

    __tablename__ = "projects"

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True,
                                            default=new_id)
    external_id: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                                     unique=True)
    # The project's data key, wrapped by the master key (AES-GCM).
    kek_wrapped: orm.Mapped[bytes | None] = orm.mapped_column(sa.LargeBinary)


class Secret(TimestampMixin, Base):
    __tablename__ = "secrets"
    __table_args__ = (sa.Index(None, "project_id", "deleted"),)

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True,
                                            default=new_id)
    project_id: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("projects.id"))
    creator_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    secret_type: orm.Mapped[str] = orm.mapped_column(sa.String(32),
                                                     default="opaque")
    algorithm: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    bit_length: orm.Mapped[int | None]
    mode: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    expiration: orm.Mapped[datetime.datetime | None]
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20),
                                                default="ACTIVE")
    content_type: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    # nonce || AES-GCM ciphertext of the payload under the project key.
    encrypted_payload: orm.Mapped[bytes | None] = orm.mapped_column(
        sa.LargeBinary)
    deleted: orm.Mapped[bool] = orm.mapped_column(default=False)


class Container(TimestampMixin, Base):
    __tablename__ = "containers"
    __table_args__ = (sa.Index(None, "project_id", "deleted"),)

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True,
                                            default=new_id)
    project_id: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("projects.id"))
    creator_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    type: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20),
                                                default="ACTIVE")
    deleted: orm.Mapped[bool] = orm.mapped_column(default=False)

    secrets: orm.Mapped[list["ContainerSecret"]] = orm.relationship(
        back_populates="container", cascade="all, delete-orphan",
        order_by="ContainerSecret.name", lazy="selectin")


class ContainerSecret(Base):
    __tablename__ = "container_secrets"
    __table_args__ = (sa.UniqueConstraint("container_id", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True,
                                            autoincrement=True)
    container_id: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("containers.id"))
    secret_id: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("secrets.id"))
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))

    container: orm.Mapped[Container] = orm.relationship(
        back_populates="secrets")


class Order(TimestampMixin, Base):
    """An order and the state of the work it still needs.

    ``meta`` is what the client submitted; ``plugin_meta`` is the CA
    plugin's own string map kept between calls; ``core_meta`` is what the
    core derived (chosen CA, request fingerprint, retry count).
    """

    __tablename__ = "orders"
    __table_args__ = (
        sa.Index(None, "project_id", "deleted", "created_at"),
        sa.Index(None, "next_action", "due_at"),
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True,
                                            default=new_id)
    project_id: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("projects.id"))
    creator_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    type: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    meta: orm.Mapped[dict] = orm.mapped_column(default=dict)
    status: orm.Mapped[str] = orm.mapped_column(
        sa.String(20), default=OrderStatus.PENDING.value)
    sub_status: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    sub_status_message: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(255))
    error_status_code: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(16))
    error_reason: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    secret_id: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("secrets.id"))
    container_id: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("containers.id"))
    plugin_name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    plugin_meta: orm.Mapped[dict] = orm.mapped_column(default=dict)
    core_meta: orm.Mapped[dict] = orm.mapped_column(default=dict)
    # Scheduling: the next action, when it is due, and who holds it.
    next_action: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(20), default=OrderAction.ISSUE.value)
    due_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        default=utcnow)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    lease_owner: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    lease_expires: orm.Mapped[datetime.datetime | None]
    deleted: orm.Mapped[bool] = orm.mapped_column(default=False)
    deleted_at: orm.Mapped[datetime.datetime | None]


class CertificateAuthority(TimestampMixin, Base):
    """A CA orders can name: a plugin's own CA, or a project's sub-CA.

    Rows of plugin CAs (``project_id`` NULL) are refreshed from the
    plugins' ``get_ca_info()``; a sub-CA row belongs to the project that
    created it and is never turned into a plugin CA by a refresh.
    """

    __tablename__ = "certificate_authorities"
    __table_args__ = (
        sa.UniqueConstraint("plugin_name", "plugin_ca_id"),
        sa.Index(None, "project_id"),
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True,
                                            default=new_id)
    plugin_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    plugin_ca_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("projects.id"))
    parent_ca_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    creator_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    ca_signing_certificate: orm.Mapped[str | None] = orm.mapped_column(
        sa.Text)
    intermediates: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    expiration: orm.Mapped[datetime.datetime | None]
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20),
                                                default="ACTIVE")
    deleted: orm.Mapped[bool] = orm.mapped_column(default=False)


class ProjectCA(Base):
    """A CA in a project's own list (``add-to-project``)."""

    __tablename__ = "project_cas"
    __table_args__ = (sa.UniqueConstraint("project_id", "ca_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True,
                                            autoincrement=True)
    project_id: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("projects.id"))
    ca_id: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("certificate_authorities.id"))


class PreferredCA(Base):
    """The preferred CA of a project, or the global one (scope global)."""

    __tablename__ = "preferred_cas"
    __table_args__ = (sa.UniqueConstraint("scope"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True,
                                            autoincrement=True)
    # A project's id, or GLOBAL_SCOPE.
    scope: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    ca_id: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("certificate_authorities.id"))


GLOBAL_SCOPE = "global"
