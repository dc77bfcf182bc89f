"""The core's view of the CAs, and the choice of CA for an order.

The ``certificate_authorities`` table holds the plugins' CAs, refreshed
from ``get_ca_info()`` at start and whenever an entry has expired, and the
projects' subordinate CAs.  A plugin CA's ``ca_id`` is a UUID derived from
its plugin's name and the plugin's own id for it, so every process agrees
on it without coordination.
"""

import datetime
from typing import Any
import uuid

from oslo_log import log as logging

from barbican_certs.common import exception
from barbican_certs.model import models
from barbican_certs.model import repositories
from barbican_certs.plugin.interface import certificate_manager as cm

LOG = logging.getLogger(__name__)

_CA_ID_NAMESPACE = uuid.UUID("9b6c2f0e-5a51-4d0b-9a57-1c7e3f2d8b10")


class InvalidCAID(exception.Invalid):
    message = ("Order creation issue seen - The ca_id provided in the "
               "request is invalid.")


class CANotSupportingRequestType(exception.Invalid):
    message = ("Order creation issue seen - The CA %(ca_id)s does not "
               "support request type %(request_type)s.")


class NoCAForOrder(exception.Invalid):
    message = ("Order creation issue seen - No certificate authority "
               "supports this %(request_type)s order.")


class SubCANotOwned(exception.NotAuthorized):
    message = ("%(action)s issue seen - Subordinate CA is not owned by "
               "this project.")


def ca_id_for(plugin_name: str, plugin_ca_id: str) -> str:
    """The stable ``ca_id`` of a plugin's own CA."""
    return str(uuid.uuid5(_CA_ID_NAMESPACE,
                          "%s/%s" % (plugin_name, plugin_ca_id)))


def ca_fields(info: dict[str, Any]) -> dict[str, Any]:
    """Table columns from a plugin's CA description."""
    expiration = info.get(cm.INFO_EXPIRATION)
    if expiration is not None and expiration.tzinfo is not None:
        expiration = expiration.astimezone(datetime.UTC).replace(
            tzinfo=None)
    return {
        "name": info.get(cm.INFO_NAME),
        "description": info.get(cm.INFO_DESCRIPTION),
        "ca_signing_certificate": info.get(cm.INFO_CA_SIGNING_CERT),
        "intermediates": info.get(cm.INFO_INTERMEDIATES),
        "expiration": expiration,
    }


def refresh_plugin_cas(force: bool = False) -> None:
    """Bring the plugins' CA rows up to date, then commit.

    Runs when the API starts (``force``) and whenever a row's expiration
    has passed; expired rows are refreshed, never dropped.
    """
    repo = repositories.CARepo()
    now = models.utcnow()
    rows = repo.plugin_cas()
    if not force and rows and all(row.expiration and row.expiration > now
                                  for row in rows):
        return
    manager = cm.get_plugin_manager()
    for name, plugin in zip(manager.names(), manager.plugins()):
        for plugin_ca_id, info in plugin.get_ca_info().items():
            repo.upsert_plugin_ca(ca_id_for(name, plugin_ca_id), name,
                                  plugin_ca_id, ca_fields(info))
    repositories.commit()
    LOG.debug("CA table refreshed from %d plugin(s)", len(manager.names()))


def _enabled(ca: models.CertificateAuthority) -> bool:
    return ca.plugin_name in cm.get_plugin_manager().names()


def visible_cas(project: models.Project
                ) -> list[models.CertificateAuthority]:
    """The CAs a project sees (SPEC section 3.6)."""
    refresh_plugin_cas()
    return [ca for ca in repositories.CARepo().visible(project.id)
            if _enabled(ca)]


def get_visible_ca(ca_id: str,
                   project: models.Project) -> models.CertificateAuthority:
    """A CA the project may see; another project's sub-CA is not found."""
    refresh_plugin_cas()
    ca = repositories.CARepo().get(ca_id)
    if (ca.project_id not in (None, project.id)) or not _enabled(ca):
        raise exception.NotFound(entity="CA")
    return ca


def get_owned_ca(ca_id: str, project: models.Project,
                 action: str) -> models.CertificateAuthority:
    """A CA the project may use or change: another project's sub-CA is
    403, as Barbican answered (SPEC section 3.1)."""
    refresh_plugin_cas()
    ca = repositories.CARepo().get(ca_id)
    if ca.project_id not in (None, project.id):
        raise SubCANotOwned(action=action)
    if not _enabled(ca):
        raise exception.NotFound(entity="CA")
    return ca


def _supports(ca: models.CertificateAuthority, request_type: str) -> bool:
    plugin = cm.get_plugin_manager().get_plugin(ca.plugin_name)
    return request_type in plugin.supported_request_types()


def select_ca(meta: dict[str, Any], request_type: str,
              project: models.Project) -> tuple[str, str | None]:
    """The plugin and CA that will serve a certificate order.

    SPEC section 3.3: the CA named by ``ca_id`` (it must exist, be visible
    to the project and support the request type); else the project's
    preferred CA, else the global preferred CA, else the first enabled
    plugin whose ``supports()`` accepts the order, at its default CA.

    :returns: ``(plugin_name, plugin_ca_id)``; the CA id is None for the
        plugin's default CA.
    :raises InvalidCAID, CANotSupportingRequestType, NoCAForOrder: 400.
    :raises SubCANotOwned: 403, ``ca_id`` is another project's sub-CA.
    """
    ca_id = meta.get("ca_id")
    if ca_id:
        try:
            ca = get_owned_ca(ca_id, project, "Order creation")
        except exception.NotFound as err:
            raise InvalidCAID() from err
        listed = repositories.CARepo().in_project_list(project.id, ca.id)
        if listed is False and ca.project_id is None:
            raise InvalidCAID()
        if not _supports(ca, request_type):
            raise CANotSupportingRequestType(ca_id=ca_id,
                                             request_type=request_type)
        return ca.plugin_name, ca.plugin_ca_id

    refresh_plugin_cas()
    repo = repositories.CARepo()
    for scope in (project.id, models.GLOBAL_SCOPE):
        preferred = repo.preferred(scope)
        if (preferred is not None and _enabled(preferred)
                and _supports(preferred, request_type)):
            return preferred.plugin_name, preferred.plugin_ca_id

    manager = cm.get_plugin_manager()
    try:
        plugin = manager.get_plugin_for(dict(meta, request_type=request_type))
    except cm.CertificatePluginNotFound as err:
        raise NoCAForOrder(request_type=request_type) from err
    return manager.name_of(plugin), None
