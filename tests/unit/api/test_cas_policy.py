"""Every CA endpoint's policy rule, with the roles of SPEC section 3.1.

The real WSGI application in-process: a role the rule admits gets anything
but 403; any other role gets 403 with the JSON error body.
"""

import pytest
import webtest

from barbican_certs.api import app as api_app
from barbican_certs.plugin import resources

ROLES = ["admin", "creator", "observer", "audit",
         "key-manager:service-admin"]
ALL = set(ROLES)
ADMIN = {"admin"}
SERVICE_ADMIN = {"key-manager:service-admin"}
ROOT = resources.ca_id_for("local_ca", "root")
MISSING = "5b0e9a0e-0000-4000-8000-000000000000"

ENDPOINTS = [
    ("GET", "/v1/cas", ALL),
    ("POST", "/v1/cas", ADMIN),
    ("GET", "/v1/cas/preferred", ALL),
    ("GET", "/v1/cas/global-preferred", SERVICE_ADMIN),
    ("POST", "/v1/cas/unset-global-preferred", SERVICE_ADMIN),
    ("GET", "/v1/cas/%s" % ROOT, ALL),
    ("DELETE", "/v1/cas/%s" % MISSING, ADMIN),
    ("GET", "/v1/cas/%s/cacert" % ROOT, ALL),
    ("GET", "/v1/cas/%s/intermediates" % ROOT, ALL),
    ("GET", "/v1/cas/%s/profiles" % ROOT, ALL),
    ("GET", "/v1/cas/%s/projects" % ROOT, SERVICE_ADMIN),
    ("POST", "/v1/cas/%s/add-to-project" % ROOT, ADMIN),
    ("POST", "/v1/cas/%s/remove-from-project" % ROOT, ADMIN),
    ("POST", "/v1/cas/%s/set-preferred" % ROOT, ADMIN),
    ("POST", "/v1/cas/%s/set-global-preferred" % ROOT, SERVICE_ADMIN),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from barbican_certs.common import config
    from barbican_certs.model import repositories

    config.parse_args([], default_config_files=[])
    config.CONF.set_override("state_path",
                             str(tmp_path_factory.mktemp("policy")))
    yield webtest.TestApp(api_app.create_app())
    repositories.teardown_database()
    config.CONF.clear_override("state_path")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,allowed", ENDPOINTS)
def test_ca_endpoint_policy(app, method, path, allowed, role):
    headers = {"X-Project-Id": "policy-%s" % role, "X-Roles": role}
    if method == "POST":
        response = app.post_json(path, {}, headers=headers,
                                 expect_errors=True)
    else:
        response = app.request(path, method=method, headers=headers,
                               expect_errors=True)
    if role in allowed:
        assert response.status_int != 403, response.body
        assert response.status_int < 500, response.body
    else:
        assert response.status_int == 403, response.body
        assert response.json["title"] == "Forbidden"
