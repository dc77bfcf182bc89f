"""``/v1/containers``: named groups of secrets (SPEC section 7)."""

from typing import Any

import pecan
import webob

from barbican_certs.api.controllers import base
from barbican_certs.common import exception
from barbican_certs.common import validators
from barbican_certs.model import models
from barbican_certs.model import repositories


class SecretRefNotFound(exception.NotFound):
    message = "Secret provided for '%(name)s' doesn't exist."


def secret_id_from_ref(secret_ref: str, name: str) -> str:
    """The UUID at the end of a secret reference."""
    secret_id = secret_ref.rstrip("/").rsplit("/", 1)[-1]
    try:
        return base.check_uuid(secret_id, "secret")
    except exception.NotFound as err:
        raise SecretRefNotFound(name=name) from err


def render_container(container: models.Container) -> dict[str, Any]:
    return {
        "container_ref": base.ref("containers", container.id),
        "name": container.name,
        "type": container.type,
        "status": container.status,
        "created": base.timestamp(container.created_at),
        "updated": base.timestamp(container.updated_at),
        "creator_id": container.creator_id,
        "secret_refs": [{"name": item.name,
                         "secret_ref": base.ref("secrets", item.secret_id)}
                        for item in container.secrets],
        "consumers": [],
    }


class ContainerController:
    def __init__(self, container_id: str) -> None:
        self.container_id = base.check_uuid(container_id, "container")

    @pecan.expose(generic=True, template="json")
    def index(self) -> None:
        base.method_not_allowed("GET", "DELETE")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **_kw: Any) -> dict[str, Any]:
        base.enforce("container:get")
        return render_container(repositories.ContainerRepo().get(
            self.container_id, base.project().id))

    @index.when(method="DELETE", template="json")
    def on_delete(self, **_kw: Any) -> webob.Response:
        """204; the secrets it held stay."""
        base.enforce("container:delete")
        repositories.ContainerRepo().delete(self.container_id,
                                            base.project().id)
        repositories.commit()
        return webob.Response(status=204)


class ContainersController:
    """The project's containers."""

    @pecan.expose(generic=True, template="json")
    def index(self, **_kw: Any) -> None:
        base.method_not_allowed("GET", "POST")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **params: Any) -> dict[str, Any]:
        base.enforce("containers:get")
        return base.paged("containers", render_container,
                          repositories.ContainerRepo().list, params,
                          name=params.get("name"), type=params.get("type"))

    @index.when(method="POST", template="json")
    def on_post(self, **_kw: Any) -> dict[str, str]:
        """201 with ``container_ref``; 404 when a secret does not exist."""
        base.enforce("containers:post")
        fields = validators.validate_container(base.load_json_body())
        project = base.project()
        secrets = []
        for name, secret_ref in fields["secret_refs"]:
            secret_id = secret_id_from_ref(secret_ref, name)
            try:
                repositories.SecretRepo().get(secret_id, project.id)
            except exception.NotFound as err:
                raise SecretRefNotFound(name=name) from err
            secrets.append((name, secret_id))
        container = models.Container(
            project_id=project.id, name=fields["name"], type=fields["type"],
            creator_id=pecan.request.context.user_id)
        repositories.ContainerRepo().create_with_secrets(container, secrets)
        repositories.commit()
        container_ref = base.ref("containers", container.id)
        base.set_status(201)
        pecan.response.headers["Location"] = container_ref
        return {"container_ref": container_ref}

    @pecan.expose()
    def _lookup(self, container_id: str, *remainder: str) -> Any:
        return ContainerController(container_id), remainder
