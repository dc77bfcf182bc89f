"""Configuration: defaults, and the generated samples kept in sync."""

import os
import subprocess
import sys

from barbican_certs.common import config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)


def _generated(tool: str, generator_conf: str, tmp_path) -> str:
    out = tmp_path / "out"
    subprocess.run([os.path.join(BIN, tool), "--config-file",
                    os.path.join(ROOT, generator_conf), "--output-file",
                    str(out)], check=True, cwd=ROOT, capture_output=True)
    return out.read_text()


class TestSamples:
    def test_sample_config_is_current(self, tmp_path):
        fresh = _generated("oslo-config-generator",
                           "etc/oslo-config-generator/barbican-certs.conf",
                           tmp_path)
        with open(os.path.join(ROOT, "etc", "barbican-certs",
                               "barbican-certs.conf.sample")) as f:
            assert f.read() == fresh, (
                "etc/barbican-certs/barbican-certs.conf.sample is stale: "
                "run 'make genconfig'")

    def test_sample_policy_is_current(self, tmp_path):
        fresh = _generated("oslopolicy-sample-generator",
                           "etc/oslo-policy-generator/barbican-certs.conf",
                           tmp_path)
        with open(os.path.join(ROOT, "etc", "barbican-certs",
                               "policy.yaml.sample")) as f:
            assert f.read() == fresh, (
                "etc/barbican-certs/policy.yaml.sample is stale: run "
                "'make genpolicy'")


class TestDefaults:
    def test_embedded_defaults(self, conf, tmp_path):
        assert config.transport_url() is None
        assert config.database_url() == "sqlite:///%s" % (
            tmp_path / "barbican-certs.sqlite")
        assert conf.bind_host == "127.0.0.1"
        assert conf.bind_port == 9311
        assert conf.max_allowed_request_size_in_bytes == 65536
        assert conf.api.auth_strategy == "noauth"
        assert conf.scheduler.lease_seconds == 60
        assert conf.certificate.pending_timeout == 7 * 24 * 3600

    def test_every_option_has_help(self):
        for _group, opts in config.list_opts():
            for opt in opts:
                assert opt.help, opt.name

    def test_configured_database_wins(self, conf):
        conf.set_override("connection", "postgresql://db/x",
                          group="database")
        try:
            assert config.database_url() == "postgresql://db/x"
        finally:
            conf.clear_override("connection", group="database")
