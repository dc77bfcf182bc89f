"""The WSGI application: pecan controllers behind oslo.middleware.

``create_app()`` is the factory gunicorn or uWSGI serve
(``barbican_certs.api.app:create_app()``); it reads the configuration from
``BARBICAN_CERTS_CONFIG_FILE`` when the process has not parsed one yet.

Pipeline, outermost first: JSON errors, request id, health check (its
own path), body size limit, keystonemiddleware (``keystone`` strategy
only, not on the version documents), pecan.
"""

import json
import os
from typing import Any
from typing import Callable
from typing import Iterable

from keystonemiddleware import auth_token
from oslo_log import log as logging
from oslo_middleware import healthcheck
from oslo_middleware import request_id
from oslo_middleware import sizelimit
import pecan

from barbican_certs.api import hooks
from barbican_certs.api.controllers import versions
from barbican_certs.common import config
from barbican_certs.model import migration
from barbican_certs.model import repositories
from barbican_certs.plugin import resources

LOG = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class JSONErrorMiddleware:
    """Give every 4xx and 5xx the JSON error body (SPEC section 3.1).

    Errors raised in the controllers are shaped by the pecan hooks; this
    catches those answered by middleware (413 from the size limit, 401 from
    keystonemiddleware, 503 from the health check) and anything that
    escaped as an exception.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]],
                    exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        try:
            body = b"".join(self.app(environ, capture))
        except Exception:
            LOG.exception("Unhandled error in %s %s",
                          environ.get("REQUEST_METHOD"),
                          environ.get("PATH_INFO"))
            captured = {"status": "500 Internal Server Error",
                        "headers": []}
            body = b""
        status, headers = captured["status"], captured["headers"]
        code = int(status.split(" ", 1)[0])
        content_type = dict((k.lower(), v) for k, v in headers).get(
            "content-type", "")
        if code >= 400 and not _is_error_json(content_type, body):
            body = hooks.error_body(code, hooks.describe(code))
            headers = [(k, v) for k, v in headers
                       if k.lower() not in ("content-type",
                                            "content-length")]
            headers.append(("Content-Type", "application/json"))
        headers = [(k, v) for k, v in headers
                   if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]


def _is_error_json(content_type: str, body: bytes) -> bool:
    if not content_type.startswith("application/json"):
        return False
    try:
        return "title" in json.loads(body)
    except ValueError:
        return False


class PathDispatcher:
    """Send some exact paths to their own application, the rest on."""

    def __init__(self, default_app: WSGIApp,
                 routes: dict[str, WSGIApp]) -> None:
        self.default_app, self.routes = default_app, routes

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        app = self.routes.get(path, self.default_app)
        return app(environ, start_response)


def make_pecan_app() -> WSGIApp:
    return pecan.make_app(
        versions.RootController(), force_canonical=False,
        hooks=[hooks.SessionHook(), hooks.ContextHook(), hooks.ErrorHook()],
        guess_content_type_from_ext=False)


def setup_database() -> None:
    """Connect, and create or upgrade the schema when so configured."""
    engine = repositories.setup_database()
    if config.CONF.database.auto_upgrade:
        migration.upgrade(engine)


def refresh_cas() -> None:
    """Load the plugins' CAs into the CA table (SPEC section 3.6)."""
    try:
        resources.refresh_plugin_cas(force=True)
    finally:
        repositories.clear()


def create_app(config_files: list[str] | None = None) -> WSGIApp:
    """Build the whole WSGI application.

    :param config_files: parse these first when the process has not parsed
        its configuration yet (WSGI servers importing the factory).
    """
    if not config.CONF.config_file and (
            config_files or os.environ.get("BARBICAN_CERTS_CONFIG_FILE")):
        files = config_files or [os.environ["BARBICAN_CERTS_CONFIG_FILE"]]
        config.parse_args(["--config-file=%s" % f for f in files])
        logging.setup(config.CONF, "barbican-certs")
    setup_database()
    refresh_cas()

    pecan_app = make_pecan_app()
    app = pecan_app
    if config.CONF.api.auth_strategy == "keystone":
        # The version documents stay public: clients discover with them.
        app = PathDispatcher(
            auth_token.AuthProtocol(app, {"oslo_config_config":
                                          config.CONF}),
            dict.fromkeys(hooks.PUBLIC_PATHS, pecan_app))
    app = sizelimit.RequestBodySizeLimiter(app, {
        "max_request_body_size":
            config.CONF.max_allowed_request_size_in_bytes})
    health = healthcheck.Healthcheck(None, {
        "backends": "barbican_certs_database"})
    app = PathDispatcher(app, {"/healthcheck": health})
    app = request_id.RequestId(app)
    return JSONErrorMiddleware(app)
