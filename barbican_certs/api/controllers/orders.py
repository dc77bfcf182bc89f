"""``/v1/orders``: ask for keys and certificates (SPEC section 3.2).

A POST validates the order, persists it with a due time, commits, and only
then nudges a worker; it never waits for the work itself.
"""

from typing import Any
from typing import Callable

import pecan
import webob

from barbican_certs.api.controllers import base
from barbican_certs.common import exception
from barbican_certs.common import validators
from barbican_certs.model import models
from barbican_certs.model import repositories
from barbican_certs.queue import client as queue_client

META_VALIDATORS: dict[str, Callable[[dict[str, Any]], None]] = {
    "key": validators.validate_key_meta,
    "asymmetric": validators.validate_asymmetric_meta,
}


class CertificateOrdersNotSupported(exception.Invalid):
    message = ("Certificate orders are not supported by this release of "
               "the service yet.")


def render_order(order: models.Order) -> dict[str, Any]:
    """Exactly the keys of SPEC section 3.2, optional ones only when set."""
    body: dict[str, Any] = {
        "order_ref": base.ref("orders", order.id),
        "type": order.type,
        "meta": order.meta,
        "status": order.status,
        "created": base.timestamp(order.created_at),
        "updated": base.timestamp(order.updated_at),
    }
    optional = {
        "sub_status": order.sub_status,
        "sub_status_message": order.sub_status_message,
        "creator_id": order.creator_id,
        "error_status_code": order.error_status_code,
        "error_reason": order.error_reason,
    }
    if order.type == "key":
        optional["secret_ref"] = (order.secret_id and
                                  base.ref("secrets", order.secret_id))
    else:
        optional["container_ref"] = (order.container_id and base.ref(
            "containers", order.container_id))
    body.update((key, value) for key, value in optional.items()
                if value is not None)
    return body


def validate_order(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The type and meta of a new order, checked."""
    order_type = body.get("type")
    if order_type == "certificate":
        raise CertificateOrdersNotSupported()
    if order_type not in META_VALIDATORS:
        raise exception.InvalidOrderType(order_type=order_type)
    meta = body.get("meta")
    if not isinstance(meta, dict):
        raise exception.InvalidObject(reason="'meta' must be an object")
    META_VALIDATORS[order_type](meta)
    return order_type, meta


def _store_passphrase(project: models.Project, meta: dict[str, Any],
                      creator_id: str | None) -> str:
    """Move ``pass_phrase`` out of the meta into an encrypted secret.

    The order's meta is stored and shown in clear; the pass phrase must be
    neither, so it becomes the ``passphrase`` secret the order's container
    will hold, and GET shows the meta without it.
    """
    passphrase = meta.pop("pass_phrase")
    secret = models.Secret(creator_id=creator_id, name=meta.get("name"),
                           secret_type="passphrase",
                           content_type=validators.OCTET_STREAM)
    repositories.SecretRepo().create_with_payload(project, secret,
                                                  passphrase.encode())
    return secret.id


class OrderController:
    """One order."""

    def __init__(self, order_id: str) -> None:
        self.order_id = base.check_uuid(order_id, "order")

    @pecan.expose(generic=True, template="json")
    def index(self, **_kw: Any) -> None:
        base.method_not_allowed("GET", "PUT", "DELETE")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **_kw: Any) -> dict[str, Any]:
        """200 with the order; 404 when the project has no such order."""
        base.enforce("order:get")
        return render_order(repositories.OrderRepo().get(
            self.order_id, base.project().id))

    @index.when(method="PUT", template="json")
    def on_put(self, **_kw: Any) -> None:
        """400: only certificate orders take updates (SPEC section 3.4)."""
        base.enforce("order:put")
        body = base.load_json_body()
        order = repositories.OrderRepo().get(self.order_id,
                                             base.project().id)
        if body.get("type") != order.type:
            raise exception.OrderTypeImmutable()
        raise CertificateOrdersNotSupported()

    @index.when(method="DELETE", template="json")
    def on_delete(self, **_kw: Any) -> webob.Response:
        """204; the order is gone for the client at once."""
        base.enforce("order:delete")
        order = repositories.OrderRepo().delete(self.order_id,
                                                base.project().id)
        order.deleted_at = models.utcnow()
        order.next_action = None
        repositories.commit()
        return webob.Response(status=204)


class OrdersController:
    """The project's orders."""

    @pecan.expose(generic=True, template="json")
    def index(self, **_kw: Any) -> None:
        base.method_not_allowed("GET", "POST")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **params: Any) -> dict[str, Any]:
        """200 with one page of orders, newest last."""
        base.enforce("orders:get")
        return base.paged("orders", render_order,
                          repositories.OrderRepo().list, params,
                          meta=params.get("meta"))

    @index.when(method="POST", template="json")
    def on_post(self, **_kw: Any) -> dict[str, str]:
        """202 with ``order_ref`` and Location; 400 for a bad order."""
        base.enforce("orders:post")
        order_type, meta = validate_order(base.load_json_body())
        project = base.project()
        creator_id = pecan.request.context.user_id
        core_meta = {}
        if meta.get("pass_phrase"):
            core_meta["passphrase_secret_id"] = _store_passphrase(
                project, meta, creator_id)
        order = models.Order(
            project_id=project.id, type=order_type, meta=meta,
            creator_id=creator_id, status=models.OrderStatus.PENDING.value,
            next_action=models.OrderAction.ISSUE.value,
            due_at=models.utcnow(), plugin_meta={}, core_meta=core_meta)
        repositories.OrderRepo().create(order)
        repositories.commit()
        queue_client.get_client().process_order(order.id)
        order_ref = base.ref("orders", order.id)
        base.set_status(202)
        pecan.response.headers["Location"] = order_ref
        return {"order_ref": order_ref}

    @pecan.expose()
    def _lookup(self, order_id: str, *remainder: str) -> Any:
        return OrderController(order_id), remainder
