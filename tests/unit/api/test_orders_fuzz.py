"""No malformed order body or meta makes the API answer 500.

Property-based: hypothesis builds bodies from random JSON and from the
keys the API knows, and posts them to the real WSGI application.
"""

import base64
import json

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest
import webtest

from barbican_certs.api import app as api_app

KEYS = ["request_type", "request_data", "container_ref",
        "source_container_ref", "public_key_ref", "subject_dn",
        "extensions", "ca_id", "profile", "requestor_name",
        "requestor_email", "requestor_phone", "payload", "name",
        "algorithm", "bit_length", "mode", "pass_phrase", "expiration",
        "payload_content_type", "dns_names", "key_algorithm", "key_size"]
REQUEST_TYPES = ["simple-cmc", "full-cmc", "stored-key", "custom"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.binary(max_size=60).map(lambda b: base64.b64encode(b).decode()),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10)
metas = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=12),
    json_values | st.sampled_from(REQUEST_TYPES), max_size=8)
bodies = st.fixed_dictionaries(
    {"type": st.sampled_from(["certificate", "key", "asymmetric"])
     | json_values},
    optional={"meta": metas | json_values})


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from barbican_certs.common import config
    from barbican_certs.model import repositories

    config.parse_args([], default_config_files=[])
    config.CONF.set_override("state_path",
                             str(tmp_path_factory.mktemp("fuzz")))
    yield webtest.TestApp(api_app.create_app())
    repositories.teardown_database()
    config.CONF.clear_override("state_path")


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_orders_never_500(app, body):
    response = app.post("/v1/orders", json.dumps(body),
                        headers={"X-Project-Id": "fuzz",
                                 "Content-Type": "application/json"},
                        expect_errors=True)
    assert response.status_int < 500, response.body
    assert set(response.json) <= {"order_ref", "code", "title",
                                  "description"}


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_raw_bodies_never_500(app, raw):
    response = app.post("/v1/orders", raw,
                        headers={"X-Project-Id": "fuzz",
                                 "Content-Type": "application/json"},
                        expect_errors=True)
    assert response.status_int < 500


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=metas)
def test_put_never_500(app, meta):
    created = app.post_json("/v1/orders", {
        "type": "key", "meta": {"algorithm": "aes", "bit_length": 128}},
        headers={"X-Project-Id": "fuzz"})
    response = app.put(created.json["order_ref"].split("localhost", 1)[1],
                       json.dumps({"type": "certificate", "meta": meta}),
                       headers={"X-Project-Id": "fuzz",
                                "Content-Type": "application/json"},
                       expect_errors=True)
    assert response.status_int < 500
