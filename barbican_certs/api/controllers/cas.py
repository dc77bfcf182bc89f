"""``/v1/cas``: the certificate authorities orders can name (SPEC 3.6).

Discovery (list, show, signing certificate, chain, enrollment profiles),
project CA lists, preferred and global preferred CAs, and subordinate CAs,
with Barbican's wire shapes.  A project's sub-CA is invisible (404) to
other projects; using or deleting it from another project is 403.
"""

from typing import Any

import pecan
import webob

from barbican_certs.api.controllers import base
from barbican_certs.common import exception
from barbican_certs.common import validators
from barbican_certs.model import models
from barbican_certs.model import repositories
from barbican_certs.pki import csr as pki_csr
from barbican_certs.plugin import resources
from barbican_certs.plugin.interface import certificate_manager as cm

OCTET_STREAM = "application/octet-stream"


class CADeletionRefused(exception.NotAuthorized):
    message = "CA deletion issue seen - %(reason)s"


class SubCANotSupported(exception.Invalid):
    message = ("CA creation issue seen - The CA's plugin %(plugin)s cannot "
               "create subordinate CAs.")


class InvalidParentCA(exception.Invalid):
    message = "CA creation issue seen - Invalid parent_ca_ref: %(ref)s"


class SubCANotGlobal(exception.Invalid):
    message = "A project's sub-CA cannot be the global preferred CA."


class CANotInProject(exception.Invalid):
    message = "Project does not contain CA %(ca_id)s."


def render_ca(ca: models.CertificateAuthority) -> dict[str, Any]:
    plugin = cm.get_plugin_manager().get_plugin(ca.plugin_name)
    return {
        "ca_ref": base.ref("cas", ca.id),
        "ca_id": ca.id,
        "plugin_name": ca.plugin_name,
        "plugin_ca_id": ca.plugin_ca_id,
        "status": ca.status,
        "created": base.timestamp(ca.created_at),
        "updated": base.timestamp(ca.updated_at),
        "expiration": base.timestamp(ca.expiration),
        "creator_id": ca.creator_id,
        "supported_request_types": plugin.supported_request_types(),
        "meta": [{"name": ca.name}, {"description": ca.description},
                 {"ca_signing_certificate": ca.ca_signing_certificate},
                 {"intermediates": ca.intermediates}],
    }


def _ca_ref_body(ca: models.CertificateAuthority | None) -> dict[str, str]:
    if ca is None:
        raise exception.NotFound(entity="preferred CA")
    return {"ca_ref": base.ref("cas", ca.id)}


def _commit_204() -> webob.Response:
    repositories.commit()
    return webob.Response(status=204)


class ProfilesController:
    def __init__(self, ca_id: str) -> None:
        self.ca_id = ca_id

    @pecan.expose(generic=True, template="json")
    def index(self, *args: Any, **_kw: Any) -> None:
        base.method_not_allowed("GET")(self)

    @index.when(method="GET", template="json")
    def on_get(self, *args: Any, **_kw: Any) -> dict[str, Any]:
        """The CA's enrollment profiles (``parameters`` is a JSON Schema
        of the ``custom`` parameters), or one of them by name."""
        base.enforce("certificate_authority:get")
        ca = resources.get_visible_ca(self.ca_id, base.project())
        plugin = cm.get_plugin_manager().get_plugin(ca.plugin_name)
        profiles = plugin.get_profiles(ca.plugin_ca_id)
        if not args:
            return {"profiles": profiles}
        for profile in profiles:
            if profile["name"] == args[0]:
                return profile
        raise exception.NotFound(entity="profile")


def _post_only(action: str) -> Any:
    """A sub-resource taking only POST, answering 204."""
    def handler(self: "CAController", **_kw: Any) -> webob.Response:
        if pecan.request.method != "POST":
            base.method_not_allowed("POST")(self)
        return getattr(self, "_" + action)()
    return pecan.expose(template="json")(handler)


class CAController:
    """One CA and its actions."""

    def __init__(self, ca_id: str) -> None:
        self.ca_id = base.check_uuid(ca_id, "CA")
        self.profiles = ProfilesController(self.ca_id)

    @pecan.expose(generic=True, template="json")
    def index(self, **_kw: Any) -> None:
        base.method_not_allowed("GET", "DELETE")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **_kw: Any) -> dict[str, Any]:
        """200 with the CA; 404 for another project's sub-CA."""
        base.enforce("certificate_authority:get")
        return render_ca(resources.get_visible_ca(self.ca_id,
                                                  base.project()))

    @index.when(method="DELETE", template="json")
    def on_delete(self, **_kw: Any) -> webob.Response:
        """204 after deleting the project's own sub-CA; 403 otherwise."""
        base.enforce("certificate_authority:delete")
        project = base.project()
        ca = resources.get_owned_ca(self.ca_id, project, "CA deletion")
        if ca.project_id is None:
            raise CADeletionRefused(reason="A root CA cannot be deleted.")
        plugin = cm.get_plugin_manager().get_plugin(ca.plugin_name)
        plugin.delete_ca(ca.plugin_ca_id)
        repositories.CARepo().delete_sub_ca(ca)
        return _commit_204()

    def _pem(self, value: str | None) -> webob.Response:
        if pecan.request.method != "GET":
            base.method_not_allowed("GET")(self)
        return webob.Response(body=(value or "").encode(),
                              content_type=OCTET_STREAM, charset=None)

    @pecan.expose(template="json")
    def cacert(self, **_kw: Any) -> webob.Response:
        """The CA's signing certificate, PEM."""
        base.enforce("certificate_authority:get_cacert")
        ca = resources.get_visible_ca(self.ca_id, base.project())
        return self._pem(ca.ca_signing_certificate)

    @pecan.expose(template="json")
    def intermediates(self, **_kw: Any) -> webob.Response:
        """The CA's chain, PEM PKCS#7."""
        base.enforce("certificate_authority:get_ca_cert_chain")
        ca = resources.get_visible_ca(self.ca_id, base.project())
        return self._pem(ca.intermediates)

    @pecan.expose(template="json")
    def projects(self, **_kw: Any) -> dict[str, list[str]]:
        """The projects whose CA list holds this CA (service admin)."""
        if pecan.request.method != "GET":
            base.method_not_allowed("GET")(self)
        base.enforce("certificate_authority:get_projects")
        repositories.CARepo().get(self.ca_id)
        return {"projects": repositories.CARepo().project_ids(self.ca_id)}

    def _add_to_project(self) -> webob.Response:
        base.enforce("certificate_authority:add_to_project")
        project = base.project()
        ca = resources.get_visible_ca(self.ca_id, project)
        repositories.CARepo().add_to_project(project.id, ca.id)
        return _commit_204()

    def _remove_from_project(self) -> webob.Response:
        base.enforce("certificate_authority:remove_from_project")
        project = base.project()
        resources.get_visible_ca(self.ca_id, project)
        if not repositories.CARepo().remove_from_project(project.id,
                                                         self.ca_id):
            raise exception.NotFound(entity="project CA")
        return _commit_204()

    def _set_preferred(self) -> webob.Response:
        base.enforce("certificate_authority:set_preferred")
        project = base.project()
        ca = resources.get_visible_ca(self.ca_id, project)
        repo = repositories.CARepo()
        if repo.in_project_list(project.id, ca.id) is False and (
                ca.project_id is None):
            raise CANotInProject(ca_id=ca.id)
        repo.set_preferred(project.id, ca.id)
        return _commit_204()

    def _set_global_preferred(self) -> webob.Response:
        base.enforce("certificate_authority:set_global_preferred")
        ca = resources.get_visible_ca(self.ca_id, base.project())
        if ca.project_id is not None:
            raise SubCANotGlobal()
        repositories.CARepo().set_preferred(models.GLOBAL_SCOPE, ca.id)
        return _commit_204()

    add_to_project = _post_only("add_to_project")
    remove_from_project = _post_only("remove_from_project")
    set_preferred = _post_only("set_preferred")
    set_global_preferred = _post_only("set_global_preferred")


class CAsController:
    """The CAs, the preferred ones, and sub-CA creation."""

    @pecan.expose(generic=True, template="json")
    def index(self, **_kw: Any) -> None:
        base.method_not_allowed("GET", "POST")(self)

    @index.when(method="GET", template="json")
    def on_get(self, **params: Any) -> dict[str, Any]:
        """``{"cas": [ref, ...], "total": N}``, refs as Barbican gave."""
        base.enforce("certificate_authorities:get")
        cas = resources.visible_cas(base.project())
        if params.get("name"):
            cas = [ca for ca in cas if ca.name == params["name"]]

        def lister(_project_id: str, offset: int,
                   limit: int) -> tuple[list[Any], int]:
            return cas[offset:offset + limit], len(cas)
        return base.paged("cas", lambda ca: base.ref("cas", ca.id),
                          lister, params)

    @index.when(method="POST", template="json")
    def on_post(self, **_kw: Any) -> dict[str, str]:
        """201 with ``ca_ref`` of a new sub-CA of the project."""
        base.enforce("certificate_authorities:post")
        body = base.load_json_body()
        name = validators.required_field(body, "name")
        subject_dn = validators.required_field(body, "subject_dn")
        parent_ref = validators.required_field(body, "parent_ca_ref")
        description = validators.optional_string(body, "description",
                                                  max_length=4096)
        if not all(isinstance(v, str) for v in (name, subject_dn,
                                                parent_ref)):
            raise exception.InvalidObject(
                reason="name, subject_dn and parent_ca_ref are strings")
        pki_csr.parse_subject_dn(subject_dn)

        project = base.project()
        parent_id = parent_ref.rstrip("/").rsplit("/", 1)[-1]
        try:
            base.check_uuid(parent_id, "CA")
            parent = resources.get_owned_ca(parent_id, project,
                                            "CA creation")
        except exception.NotFound as err:
            raise InvalidParentCA(ref=parent_ref) from err
        plugin = cm.get_plugin_manager().get_plugin(parent.plugin_name)
        if not plugin.supports_create_ca():
            raise SubCANotSupported(plugin=parent.plugin_name)

        info = plugin.create_ca(cm.CACreateDTO(
            name=name, subject_dn=subject_dn,
            parent_ca_id=parent.plugin_ca_id, description=description))
        ca = models.CertificateAuthority(
            plugin_name=parent.plugin_name,
            plugin_ca_id=info[cm.INFO_PLUGIN_CA_ID], project_id=project.id,
            parent_ca_id=parent.id, creator_id=pecan.request.context.user_id,
            **resources.ca_fields(info))
        repositories.CARepo().create_sub_ca(ca)
        repositories.commit()
        ca_ref = base.ref("cas", ca.id)
        base.set_status(201)
        pecan.response.headers["Location"] = ca_ref
        return {"ca_ref": ca_ref}

    @pecan.expose(template="json")
    def preferred(self, **_kw: Any) -> dict[str, str]:
        """The project's preferred CA, 404 when it has none."""
        if pecan.request.method != "GET":
            base.method_not_allowed("GET")(self)
        base.enforce("certificate_authorities:get_preferred_ca")
        return _ca_ref_body(repositories.CARepo().preferred(
            base.project().id))

    @pecan.expose(template="json")
    def unset_global_preferred(self, **_kw: Any) -> webob.Response:
        if pecan.request.method != "POST":
            base.method_not_allowed("POST")(self)
        base.enforce("certificate_authorities:unset_global_preferred")
        repositories.CARepo().unset_preferred(models.GLOBAL_SCOPE)
        return _commit_204()

    @pecan.expose(template="json")
    def global_preferred(self, **_kw: Any) -> dict[str, str]:
        """The global preferred CA (service admin), 404 when unset."""
        if pecan.request.method != "GET":
            base.method_not_allowed("GET")(self)
        base.enforce("certificate_authorities:get_global_preferred_ca")
        return _ca_ref_body(repositories.CARepo().preferred(
            models.GLOBAL_SCOPE))

    @pecan.expose()
    def _lookup(self, ca_id: str, *remainder: str) -> Any:
        return CAController(ca_id), remainder


# Barbican's paths use dashes, which are not Python names.
for _controller, _names in ((CAController, ("add_to_project",
                                            "remove_from_project",
                                            "set_preferred",
                                            "set_global_preferred")),
                            (CAsController, ("unset_global_preferred",
                                             "global_preferred"))):
    for _name in _names:
        pecan.route(_controller, _name.replace("_", "-"),
                    getattr(_controller, _name))
