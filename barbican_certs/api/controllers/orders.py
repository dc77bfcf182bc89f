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
from barbican_certs.plugin import resources
from barbican_certs.plugin.interface import certificate_manager as cm
from barbican_certs.queue import client as queue_client

META_VALIDATORS: dict[str, Callable[[dict[str, Any]], None]] = {
    "key": validators.validate_key_meta,
    "asymmetric": validators.validate_asymmetric_meta,
}


class OnlyCertificateOrdersUpdatable(exception.Invalid):
    message = "Only certificate orders can be updated."


class FieldNotUpdatable(exception.Invalid):
    message = "Cannot modify order field(s): %(fields)s."


class InvalidContainer(exception.Invalid):
    message = "Order creation issue seen - Invalid container: %(reason)s"


def _meta_as_submitted(order: models.Order) -> dict[str, Any]:
    """The meta the client sent; a pass phrase, kept encrypted apart from
    it, is put back."""
    secret_id = (order.core_meta or {}).get("passphrase_secret_id")
    if not secret_id:
        return order.meta
    project = base.project()
    secrets = repositories.SecretRepo()
    passphrase = secrets.payload(project, secrets.get(secret_id,
                                                      project.id))
    return dict(order.meta, pass_phrase=(passphrase or b"").decode())


def render_order(order: models.Order) -> dict[str, Any]:
    """Exactly the keys of SPEC section 3.2, optional ones only when set."""
    body: dict[str, Any] = {
        "order_ref": base.ref("orders", order.id),
        "type": order.type,
        "meta": _meta_as_submitted(order),
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
    if not isinstance(order_type, str) or (
            order_type != "certificate"
            and order_type not in META_VALIDATORS):
        raise exception.InvalidOrderType(order_type=order_type)
    meta = body.get("meta")
    if not isinstance(meta, dict):
        raise exception.InvalidObject(reason="'meta' must be an object")
    if order_type in META_VALIDATORS:
        META_VALIDATORS[order_type](meta)
    return order_type, meta


def plan_certificate_order(meta: dict[str, Any],
                           project: models.Project) -> tuple[str, dict]:
    """Check a certificate order and choose its CA (SPEC section 3.3).

    :returns: the plugin name and the core meta the worker needs.
    """
    core = validators.validate_certificate_meta(meta)
    request_type = core["request_type"]
    if request_type == "stored-key":
        core["container_id"] = _stored_key_container(meta, project)
    plugin_name, plugin_ca_id = resources.select_ca(meta, request_type,
                                                    project)
    core["plugin_ca_id"] = plugin_ca_id
    core["host_href"] = base.host_href()
    if request_type == "custom":
        plugin = cm.get_plugin_manager().get_plugin(plugin_name)
        ca_id = plugin_ca_id or next(iter(plugin.get_ca_info()))
        validators.validate_custom_parameters(meta,
                                              plugin.get_profiles(ca_id))
        # A plugin may check more than its schema can say.
        validate_custom = getattr(plugin, "validate_custom_meta", None)
        if validate_custom is not None:
            validate_custom(meta)
    return plugin_name, core


def _stored_key_container(meta: dict[str, Any],
                          project: models.Project) -> str:
    """The id of the ``rsa`` container a stored-key order names."""
    field, ref = validators.stored_key_ref(meta)
    collection = "secrets" if field == "public_key_ref" else "containers"
    entity_id = ref.rstrip("/").rsplit("/", 1)[-1]
    if ("/v1/%s/" % collection not in ref and ref != entity_id) or (
            not _is_uuid(entity_id)):
        raise InvalidContainer(reason="Bad Container Reference %s." % ref)
    containers = repositories.ContainerRepo()
    try:
        if field == "public_key_ref":
            container = containers.find_holding(project.id, entity_id,
                                                "public_key")
        else:
            container = containers.get(entity_id, project.id)
    except exception.NotFound as err:
        raise InvalidContainer(reason="Container Not Found.") from err
    names = {item.name for item in container.secrets}
    if container.type != "rsa" or "private_key" not in names:
        raise InvalidContainer(reason="Container Wrong Type.")
    return container.id


def _is_uuid(value: str) -> bool:
    try:
        base.check_uuid(value, "container")
    except exception.NotFound:
        return False
    return True


def _store_passphrase(project: models.Project, meta: dict[str, Any],
                      creator_id: str | None) -> str:
    """Move ``pass_phrase`` out of the meta into an encrypted secret.

    The order's meta is stored in clear; the pass phrase must not be, so it
    becomes the ``passphrase`` secret the order's container will hold, and
    GET puts it back into the meta it shows.
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
    def on_put(self, **_kw: Any) -> webob.Response:
        """204 after changing the requestor fields (SPEC section 3.4).

        400 when the type differs, a field other than the requestor ones
        is given, or the order is no longer PENDING.
        """
        base.enforce("order:put")
        body = base.load_json_body()
        order = repositories.OrderRepo().get(self.order_id,
                                             base.project().id)
        if body.get("type") != order.type:
            raise exception.OrderTypeImmutable()
        if order.type != "certificate":
            raise OnlyCertificateOrdersUpdatable()
        meta = body.get("meta")
        if not isinstance(meta, dict):
            raise exception.InvalidObject(reason="'meta' must be an object")
        others = sorted(set(meta) - set(validators.REQUESTOR_FIELDS))
        if others:
            raise FieldNotUpdatable(fields=", ".join(others))
        if order.status != models.OrderStatus.PENDING.value:
            raise exception.OrderNotUpdatable(status=order.status)
        validators.validate_requestor_fields(meta)

        order.meta = dict(order.meta, **meta)
        # A request already at the CA is changed there; one not yet sent
        # goes with the new values.
        nudge = order.next_action == models.OrderAction.CHECK_STATUS.value
        if nudge:
            order.next_action = models.OrderAction.MODIFY.value
            order.due_at = models.utcnow()
        repositories.commit()
        if nudge:
            queue_client.get_client().process_order(order.id)
        return webob.Response(status=204)

    @index.when(method="DELETE", template="json")
    def on_delete(self, **_kw: Any) -> webob.Response:
        """204; the order is gone for the client at once."""
        base.enforce("order:delete")
        order = repositories.OrderRepo().delete(self.order_id,
                                                base.project().id)
        order.deleted_at = models.utcnow()
        # A request waiting at its CA is canceled there by the worker.
        at_ca = order.next_action in (models.OrderAction.CHECK_STATUS.value,
                                      models.OrderAction.MODIFY.value)
        if at_ca:
            order.next_action = models.OrderAction.CANCEL.value
            order.due_at = models.utcnow()
        else:
            order.next_action = None
        repositories.commit()
        if at_ca:
            queue_client.get_client().process_order(order.id)
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
        core_meta: dict[str, Any] = {}
        plugin_name = None
        if order_type == "certificate":
            plugin_name, core_meta = plan_certificate_order(meta, project)
        elif meta.get("pass_phrase"):
            core_meta["passphrase_secret_id"] = _store_passphrase(
                project, meta, creator_id)
        order = models.Order(
            project_id=project.id, type=order_type, meta=meta,
            creator_id=creator_id, status=models.OrderStatus.PENDING.value,
            plugin_name=plugin_name,
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
