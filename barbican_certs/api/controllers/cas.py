"""``/v1/cas``: the certificate authorities orders can name (SPEC 3.6).

This first part serves discovery of the plugins' CAs: the list, each CA's
description, signing certificate, chain and enrollment profiles.  Project
and preferred CAs and subordinate CAs are answered with 405 until they are
served.
"""

from typing import Any

from cryptography import x509
import pecan
import webob

from barbican_certs.api.controllers import base
from barbican_certs.common import exception
from barbican_certs.plugin import resources
from barbican_certs.plugin.interface import certificate_manager as cm

OCTET_STREAM = "application/octet-stream"


def _created(ca: resources.CARecord) -> str | None:
    """When the CA began: its signing certificate's notBefore."""
    pem = ca.info.get(cm.INFO_CA_SIGNING_CERT)
    if not pem:
        return None
    cert = x509.load_pem_x509_certificate(pem.encode())
    return base.timestamp(cert.not_valid_before_utc.replace(tzinfo=None))


def render_ca(ca: resources.CARecord) -> dict[str, Any]:
    plugin = cm.get_plugin_manager().get_plugin(ca.plugin_name)
    expiration = ca.info.get(cm.INFO_EXPIRATION)
    created = _created(ca)
    return {
        "ca_ref": base.ref("cas", ca.ca_id),
        "ca_id": ca.ca_id,
        "plugin_name": ca.plugin_name,
        "plugin_ca_id": ca.plugin_ca_id,
        "status": "ACTIVE",
        "created": created,
        "updated": created,
        "expiration": base.timestamp(
            expiration.replace(tzinfo=None)) if expiration else None,
        "supported_request_types": plugin.supported_request_types(),
        "meta": [{key: ca.info.get(key)} for key in (
            cm.INFO_NAME, cm.INFO_DESCRIPTION, cm.INFO_CA_SIGNING_CERT,
            cm.INFO_INTERMEDIATES)],
    }


class ProfilesController:
    def __init__(self, ca: resources.CARecord) -> None:
        self.ca = ca

    def _profiles(self) -> list[dict[str, Any]]:
        plugin = cm.get_plugin_manager().get_plugin(self.ca.plugin_name)
        return plugin.get_profiles(self.ca.plugin_ca_id)

    @pecan.expose(generic=True, template="json")
    def index(self, *args: Any, **_kw: Any) -> None:
        base.method_not_allowed("GET")(self)

    @index.when(method="GET", template="json")
    def on_get(self, *args: Any, **_kw: Any) -> dict[str, Any]:
        """The CA's enrollment profiles, or one of them by name."""
        base.enforce("ca:get")
        profiles = self._profiles()
        if not args:
            return {"profiles": profiles}
        for profile in profiles:
            if profile["name"] == args[0]:
                return profile
        raise exception.NotFound(entity="profile")


class CAController:
    def __init__(self, ca_id: str) -> None:
        base.check_uuid(ca_id, "CA")
        ca = resources.find_ca(ca_id)
        if ca is None:
            raise exception.NotFound(entity="CA")
        self.ca = ca
        self.profiles = ProfilesController(ca)

    @pecan.expose(generic=True, template="json")
    def index(self, **_kw: Any) -> None:
        base.method_not_allowed("GET")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **_kw: Any) -> dict[str, Any]:
        base.enforce("ca:get")
        return render_ca(self.ca)

    def _pem(self, key: str) -> webob.Response:
        if pecan.request.method != "GET":
            base.method_not_allowed("GET")(self)
        base.enforce("ca:get")
        body = (self.ca.info.get(key) or "").encode()
        return webob.Response(body=body, content_type=OCTET_STREAM,
                              charset=None)

    @pecan.expose(template="json")
    def cacert(self, **_kw: Any) -> webob.Response:
        """The CA's signing certificate, PEM."""
        return self._pem(cm.INFO_CA_SIGNING_CERT)

    @pecan.expose(template="json")
    def intermediates(self, **_kw: Any) -> webob.Response:
        """The CA's chain, PEM PKCS#7."""
        return self._pem(cm.INFO_INTERMEDIATES)


class CAsController:
    @pecan.expose(generic=True, template="json")
    def index(self, **_kw: Any) -> None:
        base.method_not_allowed("GET")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **params: Any) -> dict[str, Any]:
        """``{"cas": [ref, ...], "total": N}``, refs as Barbican gave."""
        base.enforce("cas:get")
        cas = resources.list_cas()
        if params.get("name"):
            cas = [ca for ca in cas
                   if ca.info.get(cm.INFO_NAME) == params["name"]]

        def lister(_project_id: str, offset: int,
                   limit: int) -> tuple[list[Any], int]:
            return cas[offset:offset + limit], len(cas)
        return base.paged("cas", lambda ca: base.ref("cas", ca.ca_id),
                          lister, params)

    @pecan.expose()
    def _lookup(self, ca_id: str, *remainder: str) -> Any:
        return CAController(ca_id), remainder
