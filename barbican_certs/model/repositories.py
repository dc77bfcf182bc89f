"""Repositories: the only place that builds queries.

Each thread works in its own session (:func:`get_session`); the API commits
through :func:`commit` before it casts a message, and the worker commits the
result of an order only while it still holds the order's lease.
"""

from __future__ import annotations

import builtins
import datetime
import threading
from typing import Any
from typing import Iterable
from typing import TypeVar

from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from barbican_certs.common import config
from barbican_certs.common import crypto
from barbican_certs.common import exception
from barbican_certs.model import models

LOG = logging.getLogger(__name__)

_engine: sa.Engine | None = None
_session_factory: orm.scoped_session[orm.Session] | None = None
_lock = threading.Lock()

M = TypeVar("M", models.Secret, models.Container, models.Order)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url`` with the settings every process uses."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        url, pool_pre_ping=True, pool_size=config.CONF.database.pool_size,
        max_overflow=config.CONF.database.max_overflow)


def setup_database(url: str | None = None) -> sa.Engine:
    """Create the process's engine and session factory once.

    :param url: database URL; default from ``[database] connection``.
    :returns: the engine.
    """
    global _engine, _session_factory
    with _lock:
        if _engine is None:
            _engine = create_engine(url or config.database_url())
            _session_factory = orm.scoped_session(orm.sessionmaker(
                bind=_engine, expire_on_commit=False))
        return _engine


def teardown_database() -> None:
    """Close every connection and forget the engine (tests, shutdown)."""
    global _engine, _session_factory
    with _lock:
        if _session_factory is not None:
            _session_factory.remove()
        if _engine is not None:
            _engine.dispose()
        _engine = _session_factory = None


def get_engine() -> sa.Engine:
    return setup_database()


def get_session() -> orm.Session:
    """The calling thread's session."""
    setup_database()
    assert _session_factory is not None
    return _session_factory()


def commit() -> None:
    get_session().commit()


def rollback() -> None:
    get_session().rollback()


def clear() -> None:
    """Roll back what is left and release the thread's session."""
    if _session_factory is not None:
        _session_factory.remove()


def ping() -> None:
    """Run a trivial query; raises when the database is unreachable."""
    with get_engine().connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def clamp_paging(offset: Any, limit: Any) -> tuple[int, int]:
    """Offset and limit as Barbican read them: bad values fall back.

    :returns: ``(offset, limit)`` with offset >= 0 and 1 <= limit <= max.
    """
    try:
        offset = max(int(offset), 0)
    except (TypeError, ValueError):
        offset = 0
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        limit = config.CONF.api.default_limit_paging
    return offset, min(max(limit, 1), config.CONF.api.max_limit_paging)


def _page(query: sa.Select[Any], model: type[M], offset: int,
          limit: int) -> tuple[list[M], int]:
    session = get_session()
    total = session.scalar(
        sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(model.created_at, model.id)
        .offset(offset).limit(limit)).all()
    return list(rows), total


class ProjectRepo:
    """Projects, created on first sight of their external id."""

    def get_or_create(self, external_id: str) -> models.Project:
        """The project for ``external_id``, made with its own key if new."""
        session = get_session()
        query = sa.select(models.Project).filter_by(external_id=external_id)
        project = session.scalars(query).first()
        if project is not None:
            return project
        project_id = models.new_id()
        _key, wrapped = crypto.new_project_key(project_id)
        try:
            with session.begin_nested():
                project = models.Project(id=project_id,
                                         external_id=external_id,
                                         kek_wrapped=wrapped)
                session.add(project)
        except sa_exc.IntegrityError:
            # Another request created it at the same moment.
            project = session.scalars(query).one()
        return project

    def get(self, project_id: str) -> models.Project:
        project = get_session().get(models.Project, project_id)
        if project is None:
            raise exception.NotFound(entity="project")
        return project

    def data_key(self, project: models.Project) -> bytes:
        """The project's payload key, unwrapped."""
        assert project.kek_wrapped is not None
        return crypto.unwrap_project_key(project.id, project.kek_wrapped)


class _ScopedRepo:
    """Common reads of a project-owned, soft-deleted entity."""

    model: Any
    entity = "entity"

    def create(self, entity: M) -> M:
        session = get_session()
        session.add(entity)
        session.flush()
        return entity

    def get(self, entity_id: str, project_id: str) -> Any:
        """The entity, if the project owns it and it is not deleted.

        :raises NotFound: otherwise, whoever owns it.
        """
        entity = get_session().scalars(
            sa.select(self.model).filter_by(
                id=entity_id, project_id=project_id, deleted=False)
        ).first()
        if entity is None:
            raise exception.NotFound(entity=self.entity)
        return entity

    def list(self, project_id: str, offset: int, limit: int,
             **filters: Any) -> tuple[list[Any], int]:
        """A page of the project's entities, oldest first, and the total."""
        query = sa.select(self.model).filter_by(
            project_id=project_id, deleted=False)
        for name, value in filters.items():
            if value is not None:
                query = query.where(getattr(self.model, name) == value)
        return _page(query, self.model, offset, limit)

    def delete(self, entity_id: str, project_id: str) -> Any:
        entity = self.get(entity_id, project_id)
        entity.deleted = True
        return entity


class SecretRepo(_ScopedRepo):
    model = models.Secret
    entity = "secret"

    def create_with_payload(self, project: models.Project,
                            secret: models.Secret,
                            payload: bytes | None) -> models.Secret:
        """Store ``secret`` with ``payload`` encrypted under the project key.

        :param payload: the plaintext, already decoded to bytes, or None
            for a secret without payload.
        """
        secret.id = secret.id or models.new_id()
        secret.project_id = project.id
        if payload is not None:
            self.set_payload(project, secret, payload,
                             secret.content_type or "")
        return self.create(secret)

    def set_payload(self, project: models.Project, secret: models.Secret,
                    payload: bytes, content_type: str) -> None:
        """Encrypt and store the payload of a secret made without one."""
        secret.content_type = content_type
        secret.encrypted_payload = crypto.encrypt(
            ProjectRepo().data_key(project), payload, secret.id.encode())

    def payload(self, project: models.Project,
                secret: models.Secret) -> bytes | None:
        """The decrypted payload of ``secret``, or None when it has none."""
        if secret.encrypted_payload is None:
            return None
        return crypto.decrypt(ProjectRepo().data_key(project),
                              secret.encrypted_payload, secret.id.encode())


class ContainerRepo(_ScopedRepo):
    model = models.Container
    entity = "container"

    def create_with_secrets(self, container: models.Container,
                            secrets: Iterable[tuple[str, str]]
                            ) -> models.Container:
        """Store ``container`` holding ``(name, secret_id)`` pairs."""
        container.secrets = [models.ContainerSecret(name=name,
                                                    secret_id=secret_id)
                             for name, secret_id in secrets]
        return self.create(container)


    def find_holding(self, project_id: str, secret_id: str,
                     name: str) -> models.Container:
        """The project's container holding ``secret_id`` as ``name``.

        :raises NotFound: when there is none.
        """
        container = get_session().scalars(
            sa.select(models.Container)
            .join(models.ContainerSecret)
            .where(models.Container.project_id == project_id,
                   models.Container.deleted.is_(False),
                   models.ContainerSecret.secret_id == secret_id,
                   models.ContainerSecret.name == name)
            .order_by(models.Container.created_at)).first()
        if container is None:
            raise exception.NotFound(entity="container")
        return container


class OrderRepo(_ScopedRepo):
    """Orders, and the claims and leases of the scheduler (SPEC §2)."""

    model = models.Order
    entity = "order"

    def list(self, project_id: str, offset: int, limit: int,
             meta: str | None = None, **filters: Any
             ) -> tuple[list[Any], int]:
        """As :meth:`_ScopedRepo.list`; ``meta`` matches the stored meta
        text as a substring, as Barbican did."""
        query = sa.select(models.Order).filter_by(
            project_id=project_id, deleted=False)
        if meta:
            query = query.where(
                sa.cast(models.Order.meta, sa.Text).contains(meta))
        for name, value in filters.items():
            if value is not None:
                query = query.where(getattr(models.Order, name) == value)
        return _page(query, models.Order, offset, limit)

    def find_due(self, now: datetime.datetime,
                 limit: int) -> builtins.list[str]:
        """Ids of orders whose next action is due and not leased."""
        order = models.Order
        query = (
            sa.select(order.id)
            .where(order.next_action.is_not(None), order.due_at <= now,
                   sa.or_(order.lease_expires.is_(None),
                          order.lease_expires < now))
            .order_by(order.due_at).limit(limit))
        return list(get_session().scalars(query).all())

    def claim(self, order_id: str, owner: str, now: datetime.datetime,
              lease_seconds: int) -> bool:
        """Atomically take the lease of a due order and commit.

        One conditional UPDATE: of any number of workers racing for the
        same order, exactly one sees a changed row.

        :returns: True when this caller now owns the order.
        """
        order = models.Order
        session = get_session()
        result = session.execute(
            sa.update(order)
            .where(order.id == order_id, order.next_action.is_not(None),
                   order.due_at <= now,
                   sa.or_(order.lease_expires.is_(None),
                          order.lease_expires < now))
            .values(lease_owner=owner,
                    lease_expires=now + datetime.timedelta(
                        seconds=lease_seconds))
            .execution_options(synchronize_session=False))
        session.commit()
        return bool(getattr(result, "rowcount", 0) == 1)

    def get_claimed(self, order_id: str, owner: str) -> models.Order:
        """Load an order this worker has claimed.

        :raises LeaseLost: the order is gone or another worker owns it.
        """
        order = get_session().scalars(
            sa.select(models.Order).filter_by(id=order_id,
                                              lease_owner=owner)).first()
        if order is None:
            raise LeaseLost(order_id=order_id)
        return order

    def confirm_lease(self, order_id: str, owner: str,
                      now: datetime.datetime) -> None:
        """Check that ``owner`` still holds the lease, and lock the row.

        Called right before the worker commits an order's result.  It is a
        conditional UPDATE, so the row stays locked (PostgreSQL) or the
        database write-locked (SQLite) until the commit: no other worker
        can take the order between this check and the commit.

        :raises LeaseLost: the lease expired and may belong to another.
        """
        order = models.Order
        result = get_session().execute(
            sa.update(order)
            .where(order.id == order_id, order.lease_owner == owner,
                   order.lease_expires >= now)
            .values(lease_expires=order.lease_expires)
            .execution_options(synchronize_session=False))
        if getattr(result, "rowcount", 0) != 1:
            raise LeaseLost(order_id=order_id)


class LeaseLost(exception.BarbicanCertsException):
    message = "Lost the lease of order %(order_id)s."


class CARepo:
    """Certificate authorities, project CA lists and preferred CAs."""

    def get(self, ca_id: str) -> models.CertificateAuthority:
        """A CA by id, whoever owns it.

        :raises NotFound: when there is none.
        """
        ca = get_session().scalars(
            sa.select(models.CertificateAuthority)
            .filter_by(id=ca_id, deleted=False)).first()
        if ca is None:
            raise exception.NotFound(entity="CA")
        return ca

    def visible(self, project_id: str) -> list[models.CertificateAuthority]:
        """What ``GET /v1/cas`` lists for a project (SPEC section 3.6).

        The plugins' CAs, or the project's own CA list when it has one,
        plus the project's sub-CAs; oldest first.
        """
        ca = models.CertificateAuthority
        listed = sa.select(models.ProjectCA.ca_id).filter_by(
            project_id=project_id)
        has_list = get_session().scalar(
            sa.select(sa.func.count()).select_from(listed.subquery()))
        shared = (ca.id.in_(listed) if has_list
                  else ca.project_id.is_(None))
        return list(get_session().scalars(
            sa.select(ca).where(ca.deleted.is_(False),
                                sa.or_(shared, ca.project_id == project_id))
            .order_by(ca.created_at, ca.id)).all())

    def plugin_cas(self) -> list[models.CertificateAuthority]:
        return list(get_session().scalars(
            sa.select(models.CertificateAuthority)
            .filter_by(project_id=None, deleted=False)).all())

    def upsert_plugin_ca(self, ca_id: str, plugin_name: str,
                         plugin_ca_id: str, fields: dict[str, Any]) -> None:
        """Create or refresh a plugin's CA row.

        A row with that id that belongs to a project (a sub-CA) is left
        alone: a refresh never turns a sub-CA into a shared CA.
        """
        session = get_session()
        row = session.get(models.CertificateAuthority, ca_id)
        if row is not None and row.project_id is not None:
            return
        if row is None:
            try:
                with session.begin_nested():
                    session.add(models.CertificateAuthority(
                        id=ca_id, plugin_name=plugin_name,
                        plugin_ca_id=plugin_ca_id, **fields))
            except sa_exc.IntegrityError:
                # Another process added it first; its values are as good.
                return
            return
        for name, value in fields.items():
            setattr(row, name, value)
        row.deleted = False

    def create_sub_ca(self, ca: models.CertificateAuthority
                      ) -> models.CertificateAuthority:
        session = get_session()
        session.add(ca)
        session.flush()
        return ca

    def project_ids(self, ca_id: str) -> list[str]:
        """External ids of the projects whose CA list holds ``ca_id``."""
        return list(get_session().scalars(
            sa.select(models.Project.external_id)
            .join(models.ProjectCA,
                  models.ProjectCA.project_id == models.Project.id)
            .where(models.ProjectCA.ca_id == ca_id)
            .order_by(models.Project.external_id)).all())

    def add_to_project(self, project_id: str, ca_id: str) -> None:
        session = get_session()
        exists = session.scalars(sa.select(models.ProjectCA).filter_by(
            project_id=project_id, ca_id=ca_id)).first()
        if exists is None:
            session.add(models.ProjectCA(project_id=project_id,
                                         ca_id=ca_id))

    def remove_from_project(self, project_id: str, ca_id: str) -> bool:
        """Drop a CA from a project's list (and as its preferred CA).

        :returns: False when the list did not hold it.
        """
        session = get_session()
        result = session.execute(sa.delete(models.ProjectCA).filter_by(
            project_id=project_id, ca_id=ca_id))
        session.execute(sa.delete(models.PreferredCA).filter_by(
            scope=project_id, ca_id=ca_id))
        return bool(getattr(result, "rowcount", 0))

    def in_project_list(self, project_id: str, ca_id: str) -> bool | None:
        """Whether the project's CA list holds ``ca_id``; None: no list."""
        rows = get_session().scalars(
            sa.select(models.ProjectCA.ca_id).filter_by(
                project_id=project_id)).all()
        return None if not rows else ca_id in rows

    def preferred(self, scope: str) -> models.CertificateAuthority | None:
        """The preferred CA of a project id or of GLOBAL_SCOPE."""
        row = get_session().scalars(
            sa.select(models.PreferredCA).filter_by(scope=scope)).first()
        if row is None:
            return None
        ca = get_session().get(models.CertificateAuthority, row.ca_id)
        return None if ca is None or ca.deleted else ca

    def set_preferred(self, scope: str, ca_id: str) -> None:
        session = get_session()
        row = session.scalars(
            sa.select(models.PreferredCA).filter_by(scope=scope)).first()
        if row is None:
            session.add(models.PreferredCA(scope=scope, ca_id=ca_id))
        else:
            row.ca_id = ca_id

    def unset_preferred(self, scope: str) -> None:
        get_session().execute(sa.delete(models.PreferredCA).filter_by(
            scope=scope))

    def delete_sub_ca(self, ca: models.CertificateAuthority) -> None:
        """Mark a sub-CA deleted and drop every reference to it."""
        session = get_session()
        session.execute(sa.delete(models.ProjectCA).filter_by(ca_id=ca.id))
        session.execute(sa.delete(models.PreferredCA).filter_by(
            ca_id=ca.id))
        ca.deleted = True
