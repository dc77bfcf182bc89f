"""The work an order needs, done by a worker holding the order's lease.

:func:`process_claimed_order` is the single entry point; it commits the
order's outcome (secrets, container, status) in one transaction, and only
while the lease is still this worker's, so an order is never processed
twice at once and a worker that dies mid-way leaves nothing half made.
"""

import os
from typing import Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from oslo_log import log as logging
import sqlalchemy.exc

from barbican_certs.model import models
from barbican_certs.model import repositories
from barbican_certs.tasks import certificates

LOG = logging.getLogger(__name__)

OCTET_STREAM = "application/octet-stream"
EC_CURVES: dict[int, ec.EllipticCurve] = {
    256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}

GENERIC_FAILURE = "Internal error while processing the order."


def _new_secret(order: models.Order, project: models.Project,
                secret_type: str, payload: bytes,
                **fields: object) -> models.Secret:
    meta = order.meta
    secret = models.Secret(
        creator_id=order.creator_id, name=meta.get("name"),
        secret_type=secret_type, content_type=OCTET_STREAM,
        mode=meta.get("mode"), **fields)
    return repositories.SecretRepo().create_with_payload(project, secret,
                                                         payload)


def generate_key(order: models.Order, project: models.Project) -> None:
    """A symmetric key secret (``key`` orders)."""
    bit_length = int(order.meta["bit_length"])
    secret = _new_secret(order, project, "symmetric",
                         os.urandom(bit_length // 8),
                         algorithm=order.meta["algorithm"].lower(),
                         bit_length=bit_length)
    order.secret_id = secret.id


def _private_key(algorithm: str, bit_length: int) -> (
        rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
    if algorithm == "ec":
        return ec.generate_private_key(EC_CURVES[bit_length])
    return rsa.generate_private_key(public_exponent=65537,
                                    key_size=bit_length)


def generate_asymmetric(order: models.Order,
                        project: models.Project) -> None:
    """A key pair in an ``rsa`` container (``asymmetric`` orders)."""
    algorithm = order.meta["algorithm"].lower()
    bit_length = int(order.meta["bit_length"])
    key = _private_key(algorithm, bit_length)
    passphrase_id = order.core_meta.get("passphrase_secret_id")
    passphrase = None
    if passphrase_id:
        secrets = repositories.SecretRepo()
        passphrase_secret = secrets.get(passphrase_id, project.id)
        passphrase = secrets.payload(project, passphrase_secret)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase else serialization.NoEncryption())
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    encryption)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)

    fields = {"algorithm": algorithm, "bit_length": bit_length}
    members = [
        ("private_key", _new_secret(order, project, "private", private_pem,
                                    **fields)),
        ("public_key", _new_secret(order, project, "public", public_pem,
                                   **fields)),
    ]
    if passphrase_id:
        members.append(("private_key_passphrase", passphrase_secret))

    container = models.Container(project_id=project.id, type="rsa",
                                 name=order.meta.get("name"),
                                 creator_id=order.creator_id)
    repositories.ContainerRepo().create_with_secrets(
        container, [(name, secret.id) for name, secret in members])
    order.container_id = container.id


Handler = Callable[[models.Order, models.Project], list[certificates.Event]]


def generate(handler: Callable[[models.Order, models.Project], None]
             ) -> Handler:
    """Wrap a key generator: it runs once and the order is then ACTIVE."""
    def run(order: models.Order,
            project: models.Project) -> list[certificates.Event]:
        if not order.deleted:
            handler(order, project)
            order.status = models.OrderStatus.ACTIVE.value
        order.next_action = order.due_at = None
        return []
    return run


HANDLERS: dict[str, Handler] = {
    "key": generate(generate_key),
    "asymmetric": generate(generate_asymmetric),
    "certificate": certificates.run,
}


def _fail_internal(order: models.Order) -> None:
    if order.type == "certificate":
        certificates.fail(order, "500", "cert_internal_error")
    else:
        order.status = models.OrderStatus.ERROR.value
        order.error_status_code = "500"
        order.error_reason = GENERIC_FAILURE
        order.next_action = order.due_at = None


def process_claimed_order(order_id: str, owner: str) -> None:
    """Do the due work of an order whose lease ``owner`` holds; commit.

    :raises repositories.LeaseLost: another worker took the order over;
        nothing was committed.
    """
    orders = repositories.OrderRepo()
    order = orders.get_claimed(order_id, owner)
    order.attempts += 1
    project = repositories.ProjectRepo().get(order.project_id)
    events: list[certificates.Event] = []
    try:
        events = HANDLERS[order.type](order, project)
    except sqlalchemy.exc.SQLAlchemyError:
        # The database, not the order, failed: retried once the lease
        # expires.
        raise
    except Exception:
        # Whatever failed, nothing of it is kept; the reason goes to the
        # log, the client sees a generic one (SPEC section 3.5).
        LOG.exception("Order %s failed", order_id)
        repositories.rollback()
        order = orders.get_claimed(order_id, owner)
        order.attempts += 1
        _fail_internal(order)
    orders.confirm_lease(order_id, owner, models.utcnow())
    order.lease_owner = order.lease_expires = None
    repositories.commit()
    LOG.info("Order %s is now %s", order_id, order.status)
    for send in events:
        try:
            send()
        except Exception:
            LOG.exception("Order %s: an event plugin failed", order_id)
