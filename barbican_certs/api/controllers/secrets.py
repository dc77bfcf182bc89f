"""``/v1/secrets``: payloads stored encrypted (SPEC section 7)."""

import base64
import binascii
from typing import Any

import pecan
import webob

from barbican_certs.api.controllers import base
from barbican_certs.common import exception
from barbican_certs.common import validators
from barbican_certs.model import models
from barbican_certs.model import repositories

_ACCEPTED_PAYLOAD_TYPES = (validators.TEXT_PLAIN, validators.OCTET_STREAM)
# Stored types whose payload is PEM text: a client asking for text/plain
# (the barbican CLI's default) gets them as text.
_PEM_TYPES = ("application/pkix-cert", "application/pkcs7-mime")


def _offers(content_type: str) -> list[str]:
    """The media types a payload of ``content_type`` can be served as.

    Its own type first; any payload is also raw bytes
    (application/octet-stream), and PEM payloads are also text/plain.
    """
    offers = [content_type]
    if content_type in _PEM_TYPES:
        offers.append(validators.TEXT_PLAIN)
    if content_type != validators.OCTET_STREAM:
        offers.append(validators.OCTET_STREAM)
    return offers


def render_secret(secret: models.Secret) -> dict[str, Any]:
    body: dict[str, Any] = {
        "secret_ref": base.ref("secrets", secret.id),
        "name": secret.name,
        "status": secret.status,
        "secret_type": secret.secret_type,
        "algorithm": secret.algorithm,
        "bit_length": secret.bit_length,
        "mode": secret.mode,
        "expiration": base.timestamp(secret.expiration),
        "created": base.timestamp(secret.created_at),
        "updated": base.timestamp(secret.updated_at),
        "creator_id": secret.creator_id,
        "consumers": [],
    }
    if secret.content_type:
        body["content_types"] = {"default": secret.content_type}
    return body


def _wants_metadata() -> bool:
    """Barbican's rule: JSON, ``*/*`` or no Accept means the metadata."""
    header = pecan.request.headers.get("Accept", "").strip()
    return not header or header == "*/*" or base.JSON in header


class SecretController:
    """One secret: metadata, payload, late payload upload, delete."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = base.check_uuid(secret_id, "secret")

    def _load(self) -> models.Secret:
        return repositories.SecretRepo().get(self.secret_id,
                                             base.project().id)

    @pecan.expose(generic=True, template="json")
    def index(self) -> None:
        base.method_not_allowed("GET", "PUT", "DELETE")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **_kw: Any) -> Any:
        """200 metadata (JSON Accept) or the payload (other Accept)."""
        if not _wants_metadata():
            return self.payload()
        base.enforce("secret:get")
        return webob.Response(json=render_secret(self._load()),
                              content_type=base.JSON, charset=None)

    @pecan.expose(template="json")
    def payload(self, **_kw: Any) -> webob.Response:
        """200 with the decrypted payload; 406 for an Accept it lacks."""
        if pecan.request.method != "GET":
            base.method_not_allowed("GET")(self)
        base.enforce("secret:decrypt")
        project = base.project()
        secret = repositories.SecretRepo().get(self.secret_id, project.id)
        if not secret.content_type:
            raise exception.NotFound(entity="payload")
        served = secret.content_type
        if pecan.request.headers.get("Accept"):
            matches = pecan.request.accept.acceptable_offers(
                _offers(secret.content_type))
            if not matches:
                raise exception.NotAcceptable(
                    reason="Wrong payload content-type: this secret is %s"
                    % secret.content_type)
            served = matches[0][0]
        payload = repositories.SecretRepo().payload(project, secret)
        return webob.Response(body=payload, charset=None,
                              content_type=served)

    @index.when(method="PUT", template="json")
    def on_put(self, **_kw: Any) -> webob.Response:
        """204 after storing the payload of a secret made without one."""
        base.enforce("secret:put")
        content_type = pecan.request.content_type
        if content_type not in _ACCEPTED_PAYLOAD_TYPES:
            raise exception.UnsupportedMediaType(
                content_type=content_type or "(none)",
                expected=list(_ACCEPTED_PAYLOAD_TYPES))
        project = base.project()
        secret = repositories.SecretRepo().get(self.secret_id, project.id)
        if secret.content_type:
            raise exception.Conflict(
                reason="Secret already has data, cannot modify it.")
        payload = pecan.request.body
        if pecan.request.headers.get("Content-Encoding") == "base64":
            try:
                payload = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError) as err:
                raise exception.InvalidPayload(
                    reason="payload is not valid base64") from err
        if not payload:
            raise exception.InvalidPayload(reason="payload is empty")
        repositories.SecretRepo().set_payload(project, secret, payload,
                                              content_type)
        repositories.commit()
        return webob.Response(status=204)

    @index.when(method="DELETE", template="json")
    def on_delete(self, **_kw: Any) -> webob.Response:
        base.enforce("secret:delete")
        repositories.SecretRepo().delete(self.secret_id, base.project().id)
        repositories.commit()
        return webob.Response(status=204)


class SecretsController:
    """The project's secrets."""

    @pecan.expose(generic=True, template="json")
    def index(self, **_kw: Any) -> None:
        base.method_not_allowed("GET", "POST")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **params: Any) -> dict[str, Any]:
        """200 with one page of secrets."""
        base.enforce("secrets:get")
        bits = params.get("bits")
        return base.paged(
            "secrets", render_secret, repositories.SecretRepo().list,
            params, name=params.get("name"), algorithm=params.get("alg"),
            mode=params.get("mode"), secret_type=params.get("secret_type"),
            bit_length=int(bits) if bits and bits.isdigit() else None)

    @index.when(method="POST", template="json")
    def on_post(self, **_kw: Any) -> dict[str, str]:
        """201 with ``secret_ref``; 400 for a bad body, 415 if not JSON."""
        base.enforce("secrets:post")
        fields = validators.validate_secret(base.load_json_body())
        payload = fields.pop("payload", None)
        secret = models.Secret(creator_id=pecan.request.context.user_id,
                               **fields)
        repositories.SecretRepo().create_with_payload(base.project(), secret,
                                                      payload)
        repositories.commit()
        secret_ref = base.ref("secrets", secret.id)
        base.set_status(201)
        pecan.response.headers["Location"] = secret_ref
        return {"secret_ref": secret_ref}

    @pecan.expose()
    def _lookup(self, secret_id: str, *remainder: str) -> Any:
        return SecretController(secret_id), remainder
