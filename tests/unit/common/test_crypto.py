"""Encryption at rest: AES-GCM under project keys wrapped by the master."""

import base64
import os
import stat

import pytest

from barbican_certs.common import crypto
from barbican_certs.common import exception


class TestMasterKey:
    def test_file_created_once_with_mode_0600(self, conf, tmp_path):
        key = crypto.master_key()
        path = tmp_path / "master.kek"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        crypto.reset_master_key()
        assert crypto.master_key() == key
        assert len(key) == crypto.KEY_BYTES

    def test_configured_key_is_used(self, conf, tmp_path):
        raw = os.urandom(32)
        conf.set_override("master_kek", base64.b64encode(raw).decode(),
                          group="crypto")
        try:
            assert crypto.master_key() == raw
            assert not (tmp_path / "master.kek").exists()
        finally:
            conf.clear_override("master_kek", group="crypto")

    @pytest.mark.parametrize("value", ["not base64!", "c2hvcnQ="])
    def test_bad_configured_key_is_refused(self, conf, value):
        conf.set_override("master_kek", value, group="crypto")
        try:
            with pytest.raises(exception.ConfigurationError):
                crypto.master_key()
        finally:
            conf.clear_override("master_kek", group="crypto")


class TestEnvelope:
    def test_round_trip(self):
        key = os.urandom(32)
        blob = crypto.encrypt(key, b"payload", b"row-1")
        assert b"payload" not in blob
        assert crypto.decrypt(key, blob, b"row-1") == b"payload"

    def test_other_row_fails(self):
        key = os.urandom(32)
        blob = crypto.encrypt(key, b"payload", b"row-1")
        with pytest.raises(crypto.DecryptionFailed):
            crypto.decrypt(key, blob, b"row-2")

    def test_altered_ciphertext_fails(self):
        key = os.urandom(32)
        blob = bytearray(crypto.encrypt(key, b"payload", b"row"))
        blob[-1] ^= 1
        with pytest.raises(crypto.DecryptionFailed):
            crypto.decrypt(key, bytes(blob), b"row")

    def test_project_key_bound_to_project(self, conf):
        key, wrapped = crypto.new_project_key("p1")
        assert crypto.unwrap_project_key("p1", wrapped) == key
        with pytest.raises(crypto.DecryptionFailed):
            crypto.unwrap_project_key("p2", wrapped)
