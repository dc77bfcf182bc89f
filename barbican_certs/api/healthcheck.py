"""Health check backend: the database answers (SPEC section 3.1)."""

from typing import Any

from oslo_log import log as logging
from oslo_middleware.healthcheck import pluginbase
import sqlalchemy.exc

from barbican_certs.model import repositories

LOG = logging.getLogger(__name__)


class DatabaseCheck(pluginbase.HealthcheckBaseExtension):
    """Healthy while a trivial query succeeds."""

    def healthcheck(self, server_port: Any) -> pluginbase.HealthcheckResult:
        try:
            repositories.ping()
        except sqlalchemy.exc.SQLAlchemyError as err:
            LOG.warning("Health check: database unreachable: %s",
                        type(err).__name__)
            return pluginbase.HealthcheckResult(
                available=False, reason="database unreachable")
        return pluginbase.HealthcheckResult(available=True, reason="OK")
