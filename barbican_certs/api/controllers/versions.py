"""The version documents at ``/`` and ``/v1`` (SPEC section 3.1)."""

from typing import Any

import pecan

from barbican_certs.api.controllers import base
from barbican_certs.api.controllers import cas
from barbican_certs.api.controllers import containers
from barbican_certs.api.controllers import orders
from barbican_certs.api.controllers import secrets


def version_v1() -> dict[str, Any]:
    return {"id": "v1", "status": "stable", "min_version": "1.0",
            "max_version": "1.1",
            "links": [{"rel": "self", "href": base.host_href() + "/v1/"}]}


class V1Controller:
    """``/v1``: the version document and the v1 collections."""

    def __init__(self) -> None:
        self.orders = orders.OrdersController()
        self.secrets = secrets.SecretsController()
        self.containers = containers.ContainersController()
        self.cas = cas.CAsController()

    @pecan.expose(generic=True, template="json")
    def index(self) -> None:
        base.method_not_allowed("GET")(self)

    @index.when(method="GET", template="json")
    def on_get(self) -> dict[str, Any]:
        """200 with ``{"version": {...}}``; needs no identity headers."""
        return {"version": version_v1()}


class RootController:
    """``/``: the list of versions, answered with 300 Multiple Choices."""

    def __init__(self) -> None:
        self.v1 = V1Controller()

    @pecan.expose(generic=True, template="json")
    def index(self) -> None:
        base.method_not_allowed("GET")(self)

    @index.when(method="GET", template="json")
    def on_get(self) -> dict[str, Any]:
        base.set_status(300)
        return {"versions": {"values": [version_v1()]}}
