"""Pecan hooks: caller identity, database session, errors as JSON.

:func:`error_body` is the one place that shapes an error for a client
(SPEC section 3.1): ``{"code", "title", "description"}``, where the title is
the HTTP reason phrase and the description never holds a library's text or
a traceback.
"""

import json
from typing import Any

from oslo_context import context as oslo_context
from oslo_log import log as logging
from pecan import hooks
import webob
from webob import exc as webob_exc

from barbican_certs.common import config
from barbican_certs.common import exception
from barbican_certs.model import repositories

LOG = logging.getLogger(__name__)

# Paths served to anyone, without identity headers or a token.
PUBLIC_PATHS = frozenset(["/", "/v1", "/v1/"])

GENERIC_500 = ("The server could not complete the request; the details "
               "are in its log.")
# Descriptions of errors raised by the framework or middleware rather than
# by the service's own exceptions.
DESCRIPTIONS = {
    401: "Authentication required.",
    404: "The resource could not be found.",
    413: "The request body is larger than the server accepts.",
    503: "The service is unavailable.",
}


def describe(code: int) -> str:
    """A client-safe description of an HTTP error the service did not
    raise itself."""
    return DESCRIPTIONS.get(code, GENERIC_500 if code >= 500 else
                            "The request could not be served.")


def error_body(code: int, description: str) -> bytes:
    """The JSON error document for ``code``."""
    title = webob.Response(status=code).status.split(" ", 1)[1]
    return json.dumps({"code": code, "title": title,
                       "description": description}).encode()


def error_response(code: int, description: str,
                   headers: dict[str, str] | None = None) -> webob.Response:
    response = webob.Response(status=code, body=error_body(code,
                                                           description),
                              content_type="application/json",
                              charset=None)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ContextHook(hooks.PecanHook):
    """Build ``request.context`` from the identity headers.

    With ``noauth`` the headers come from the client; with ``keystone``
    from keystonemiddleware, which replaces whatever the client sent.
    """

    def on_route(self, state: Any) -> None:
        # Controllers answer JSON, or build their own response (secret
        # payloads, after their own Accept negotiation): pecan's guess
        # from the Accept header must not refuse a request first.
        state.request.pecan["content_type"] = "application/json"

    def before(self, state: Any) -> None:
        request = state.request
        headers = request.headers
        project_id = headers.get("X-Project-Id")
        if not project_id and config.CONF.api.auth_strategy == "noauth":
            project_id = config.CONF.api.noauth_default_project_id
        if request.path not in PUBLIC_PATHS and not project_id:
            raise exception.MissingHeader(header="X-Project-Id")
        roles = [role.strip() for role in
                 headers.get("X-Roles", "admin").split(",") if role.strip()]
        request.context = oslo_context.RequestContext(
            project_id=project_id, user_id=headers.get("X-User-Id"),
            roles=roles, request_id=request.environ.get(
                "openstack.request_id"))


class SessionHook(hooks.PecanHook):
    """Give each request a clean session and release it afterwards."""

    def after(self, state: Any) -> None:
        repositories.clear()

    def on_error(self, state: Any, exc: Exception) -> None:
        repositories.clear()


class ErrorHook(hooks.PecanHook):
    """Turn every exception into the JSON error document."""

    def on_error(self, state: Any, exc: Exception) -> webob.Response:
        if isinstance(exc, exception.BarbicanCertsException):
            if exc.code >= 500:
                LOG.error("Request %s failed: %s", state.request.path, exc)
                return error_response(exc.code, GENERIC_500)
            LOG.debug("Request %s refused with %d: %s", state.request.path,
                      exc.code, exc)
            headers = {}
            if isinstance(exc, exception.MethodNotAllowed):
                headers["Allow"] = ", ".join(exc.kwargs["allowed"])
            return error_response(exc.code, exc.client_message, headers)
        if isinstance(exc, webob_exc.HTTPException):
            return _http_exception_response(state, exc)
        LOG.error("Unexpected error in %s %s", state.request.method,
                  state.request.path, exc_info=exc)
        return error_response(500, GENERIC_500)


def _http_exception_response(state: Any,
                             exc: webob_exc.HTTPException) -> webob.Response:
    code = exc.code  # type: ignore[attr-defined]
    description = describe(code)
    headers = {}
    if code == 405:
        description = ("The method %s is not allowed on this resource."
                       % state.request.method)
        if exc.headers.get("Allow"):  # type: ignore[attr-defined]
            headers["Allow"] = exc.headers["Allow"]  # type: ignore
    return error_response(code, description, headers)

