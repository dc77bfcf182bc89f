"""Certificate orders in the worker: the CA plugin calls and their outcome.

:func:`run` does the order's ``next_action`` (issue, check status, modify,
cancel) through the order's plugin and maps the plugin's
:class:`~barbican_certs.plugin.interface.certificate_manager.ResultDTO` onto
the order as SPEC section 3.5 says.  The caller commits.
"""

import datetime
import functools
from typing import Callable

from cryptography.hazmat.primitives import serialization
from oslo_log import log as logging

from barbican_certs.common import config
from barbican_certs.model import models
from barbican_certs.model import repositories
from barbican_certs.pki import csr as pki_csr
from barbican_certs.plugin.interface import certificate_manager as cm
from barbican_certs.plugin.interface import event

LOG = logging.getLogger(__name__)

Status = cm.CertificateStatus
Action = models.OrderAction

SUB_STATUS_MESSAGES = {
    "cert_request_pending": "Request has been submitted to the CA.  "
                            "Waiting for certificate to be generated",
    "cert_generated": "Certificate has been generated",
    "cert_ca_unavail_for_issue": "Unable to submit certificate request.  "
                                 "CA unavailable",
    "cert_ca_unavail_for_status_check": "Unable to get certificate request "
                                        "status.  CA unavailable.",
    "cert_data_invalid": "CA rejected request data as invalid",
    "cert_invalid_operation": "CA returned invalid operation",
    "cert_request_canceled": "Certificate request was canceled",
    "cert_timed_out": "Gave up waiting for the CA",
    "cert_internal_error": "Internal error during certificate operations",
}

# Plugin results that end an order: (status code, sub_status).
_FINAL_ERRORS = {
    Status.CLIENT_DATA_ISSUE_SEEN: ("400", "cert_data_invalid"),
    Status.INVALID_OPERATION: ("400", "cert_invalid_operation"),
    Status.REQUEST_CANCELED: ("409", "cert_request_canceled"),
}
PKIX_CERT = "application/pkix-cert"
PKCS7 = "application/pkcs7-mime"
OCTET_STREAM = "application/octet-stream"
MIN_RETRY_SECONDS = 1.0


def set_sub_status(order: models.Order, sub_status: str) -> None:
    order.sub_status = sub_status
    order.sub_status_message = SUB_STATUS_MESSAGES[sub_status]


def fail(order: models.Order, code: str, sub_status: str) -> None:
    """End the order in ERROR with a reason fit for the client."""
    set_sub_status(order, sub_status)
    order.status = models.OrderStatus.ERROR.value
    order.error_status_code = code
    order.error_reason = SUB_STATUS_MESSAGES[sub_status]
    order.next_action = order.due_at = None


def _schedule(order: models.Order, action: Action, seconds: float) -> None:
    order.next_action = action.value
    order.due_at = models.utcnow() + datetime.timedelta(
        seconds=max(seconds, MIN_RETRY_SECONDS))


def _timed_out(order: models.Order) -> bool:
    limit = datetime.timedelta(
        seconds=config.CONF.certificate.pending_timeout)
    return models.utcnow() - order.created_at > limit


Event = Callable[[], None]


def run(order: models.Order, project: models.Project) -> list[Event]:
    """Do the due action of a certificate order (SPEC section 3.5).

    :returns: the events to send once the new state is committed.
    """
    action = Action(order.next_action)
    if order.deleted and action is not Action.CANCEL:
        # Deleted while the worker held it: cancel what reached the CA.
        if not order.core_meta.get("submitted"):
            order.next_action = order.due_at = None
            return []
        action = Action.CANCEL
    if action is not Action.CANCEL and _timed_out(order):
        LOG.info("Order %s: gave up waiting for the CA", order.id)
        fail(order, "504", "cert_timed_out")
        return []

    plugin = cm.get_plugin_manager().get_plugin(order.plugin_name or "")
    dto = _meta_dto(order, project)
    plugin_meta = dict(order.plugin_meta or {})
    if action is Action.ISSUE:
        result = cm.route_issuance(plugin, order.id, dict(order.meta),
                                   plugin_meta, dto)
        order.core_meta = dict(order.core_meta, submitted=True)
    else:
        method = {
            Action.CHECK_STATUS: plugin.check_certificate_status,
            Action.MODIFY: plugin.modify_certificate_request,
            Action.CANCEL: plugin.cancel_certificate_request,
        }[action]
        result = method(order.id, dict(order.meta), plugin_meta, dto)
    order.plugin_meta = {str(k): str(v) for k, v in plugin_meta.items()}
    LOG.info("Order %(order)s: %(action)s answered %(status)s",
             {"order": order.id, "action": action.value,
              "status": result.status.value})
    return _apply(order, project, action, result, dto)


def _apply(order: models.Order, project: models.Project, action: Action,
           result: cm.ResultDTO, dto: cm.BarbicanMetaDTO) -> list[Event]:
    if action is Action.CANCEL:
        set_sub_status(order, "cert_request_canceled")
        order.next_action = order.due_at = None
        return []
    if action is Action.MODIFY and result.status is Status.INVALID_OPERATION:
        LOG.warning("Order %s: the CA cannot change a submitted request; "
                    "the new requestor fields stay with the order only",
                    order.id)
        _schedule(order, Action.CHECK_STATUS, 0)
        return []

    events = event.get_event_plugin_manager()
    order_ref = _ref(order, "orders", order.id)
    if result.status is Status.CERTIFICATE_GENERATED:
        _store_certificate(order, project, result, dto)
        container_ref = _ref(order, "containers", order.container_id or "")
        return [functools.partial(events.notify_certificate_is_ready,
                                  project.external_id, order_ref,
                                  container_ref)]
    if result.status is Status.WAITING_FOR_CA:
        set_sub_status(order, "cert_request_pending")
        _schedule(order, Action.CHECK_STATUS, result.retry_msec / 1000.0)
        return []
    if result.status is Status.CA_UNAVAILABLE_FOR_REQUEST:
        delay = _retry_later(order, action, result)
        return [functools.partial(events.notify_ca_is_unavailable,
                                  project.external_id, order_ref,
                                  order.sub_status_message or "",
                                  int(delay * 1000))]
    code, sub_status = _FINAL_ERRORS[result.status]
    LOG.info("Order %(order)s ends in error: %(message)s",
             {"order": order.id, "message": result.status_message})
    fail(order, code, sub_status)
    return []


def _ref(order: models.Order, collection: str, entity_id: str) -> str:
    """A reference as the API that took the order would write it."""
    href = (config.CONF.host_href or order.core_meta.get("host_href")
            or "").rstrip("/")
    return "%s/v1/%s/%s" % (href, collection, entity_id)


def _retry_later(order: models.Order, action: Action,
                 result: cm.ResultDTO) -> float:
    """Exponential back-off while the CA is unavailable."""
    failures = int(order.core_meta.get("unavailable_count", 0))
    order.core_meta = dict(order.core_meta, unavailable_count=failures + 1)
    conf = config.CONF.certificate
    delay = min(conf.retry_initial_seconds * 2 ** failures,
                conf.retry_max_seconds)
    delay = max(delay, result.retry_msec / 1000.0)
    set_sub_status(order, "cert_ca_unavail_for_issue"
                   if action is Action.ISSUE
                   else "cert_ca_unavail_for_status_check")
    _schedule(order, action, delay)
    LOG.warning("Order %(order)s: CA unavailable, retry in %(delay).0f s",
                {"order": order.id, "delay": delay})
    return delay


def _meta_dto(order: models.Order,
              project: models.Project) -> cm.BarbicanMetaDTO:
    """What the plugin gets beside the order's meta."""
    request_type = order.core_meta.get("request_type", "custom")
    request_der = None
    if request_type in ("simple-cmc", "full-cmc"):
        request_der = pki_csr.decode_request_data(order.meta["request_data"])
    elif request_type == "stored-key":
        request_der = _stored_key_request(order, project)
    return cm.BarbicanMetaDTO(
        request_type=request_type, request_der=request_der,
        plugin_ca_id=order.core_meta.get("plugin_ca_id"))


def _container_secrets(order: models.Order, project: models.Project
                       ) -> dict[str, models.Secret]:
    container = repositories.ContainerRepo().get(
        order.core_meta["container_id"], project.id)
    secrets = repositories.SecretRepo()
    return {item.name: secrets.get(item.secret_id, project.id)
            for item in container.secrets}


def _stored_key_request(order: models.Order,
                        project: models.Project) -> bytes:
    """A PKCS#10 request signed with the stored key (SPEC section 4)."""
    members = _container_secrets(order, project)
    secrets = repositories.SecretRepo()
    key_pem = secrets.payload(project, members["private_key"])
    passphrase = None
    if "private_key_passphrase" in members:
        passphrase = secrets.payload(project,
                                     members["private_key_passphrase"])
    key = serialization.load_pem_private_key(key_pem or b"", passphrase)
    extensions = None
    if order.meta.get("extensions"):
        extensions = pki_csr.parse_extensions(order.meta["extensions"])
    return pki_csr.build_pkcs10(
        key,  # type: ignore[arg-type]
        pki_csr.parse_subject_dn(order.meta["subject_dn"]), extensions)


def _new_secret(order: models.Order, project: models.Project,
                secret_type: str, content_type: str,
                payload: bytes) -> models.Secret:
    secret = models.Secret(creator_id=order.creator_id,
                           name=order.meta.get("name"),
                           secret_type=secret_type,
                           content_type=content_type)
    return repositories.SecretRepo().create_with_payload(project, secret,
                                                         payload)


def _store_certificate(order: models.Order, project: models.Project,
                       result: cm.ResultDTO,
                       dto: cm.BarbicanMetaDTO) -> None:
    """The ``certificate`` container of SPEC section 3.5; order ACTIVE."""
    members: list[tuple[str, str]] = [("certificate", _new_secret(
        order, project, "certificate", PKIX_CERT,
        result.certificate or b"").id)]
    if result.intermediates:
        members.append(("intermediates", _new_secret(
            order, project, "opaque", PKCS7, result.intermediates).id))
    if order.core_meta.get("container_id"):
        stored = _container_secrets(order, project)
        members.extend((name, stored[name].id) for name in
                       ("private_key", "private_key_passphrase")
                       if name in stored)
    elif dto.generated_key_pem:
        members.append(("private_key", _new_secret(
            order, project, "private", OCTET_STREAM,
            dto.generated_key_pem).id))
        if dto.generated_key_passphrase:
            members.append(("private_key_passphrase", _new_secret(
                order, project, "passphrase", OCTET_STREAM,
                dto.generated_key_passphrase).id))

    container = models.Container(project_id=project.id, type="certificate",
                                 name=order.meta.get("name"),
                                 creator_id=order.creator_id)
    repositories.ContainerRepo().create_with_secrets(container, members)
    order.container_id = container.id
    order.status = models.OrderStatus.ACTIVE.value
    order.next_action = order.due_at = None
    set_sub_status(order, "cert_generated")

