"""The WSGI application in-process: middleware, identity and errors."""

import pytest
import webtest

from barbican_certs.api import app as api_app


@pytest.fixture
def app(conf):
    return webtest.TestApp(api_app.create_app())


@pytest.fixture
def keystone_app(conf):
    # No identity service runs here: these tests only reach the paths
    # where auth_token answers without one (no token, public paths).
    conf.set_override("auth_strategy", "keystone", group="api")
    conf.set_override("www_authenticate_uri", "http://127.0.0.1:5000/v3",
                      group="keystone_authtoken")
    try:
        yield webtest.TestApp(api_app.create_app())
    finally:
        conf.clear_override("auth_strategy", group="api")
        conf.clear_override("www_authenticate_uri",
                            group="keystone_authtoken")


class TestNoAuth:
    def test_roles_default_to_admin(self, app):
        response = app.post_json("/v1/secrets", {"payload": "x",
                                                 "payload_content_type":
                                                 "text/plain"},
                                 headers={"X-Project-Id": "p"})
        assert response.status_int == 201

    def test_audit_role_cannot_list_secrets(self, app):
        response = app.get("/v1/secrets", headers={"X-Project-Id": "p",
                                                   "X-Roles": "audit"},
                           expect_errors=True)
        assert response.status_int == 403
        assert response.json["title"] == "Forbidden"

    def test_errors_have_title_and_description(self, app):
        response = app.get("/v1/orders/6f1c1e9c-0000-4000-8000-000000000000",
                           headers={"X-Project-Id": "p"}, expect_errors=True)
        assert response.status_int == 404
        assert set(response.json) == {"code", "title", "description"}


class TestDefaultProject:
    def test_missing_project_refused_by_default(self, app):
        response = app.get("/v1/orders", expect_errors=True)
        assert response.status_int == 400
        assert response.json["description"] == "Missing X-Project-Id"

    def test_configured_default_project_is_used(self, conf):
        conf.set_override("noauth_default_project_id", "cli-project",
                          group="api")
        try:
            app = webtest.TestApp(api_app.create_app())
            created = app.post_json("/v1/secrets", {
                "payload": "x", "payload_content_type": "text/plain"})
            assert created.status_int == 201
            listed = app.get("/v1/secrets", headers={
                "X-Project-Id": "cli-project"})
            assert listed.json["total"] == 1
            other = app.get("/v1/secrets", headers={"X-Project-Id": "x"})
            assert other.json["total"] == 0
        finally:
            conf.clear_override("noauth_default_project_id", group="api")


class TestKeystone:
    def test_versions_need_no_token(self, keystone_app):
        assert keystone_app.get("/", status=300).json["versions"]
        assert keystone_app.get("/v1", status=200).json["version"]

    def test_request_without_token_is_401_json(self, keystone_app):
        response = keystone_app.get("/v1/orders", expect_errors=True)
        assert response.status_int == 401
        assert response.json["title"] == "Unauthorized"

    def test_client_headers_are_not_trusted(self, keystone_app):
        response = keystone_app.get("/v1/orders", headers={
            "X-Project-Id": "p", "X-Roles": "admin"}, expect_errors=True)
        assert response.status_int == 401
