"""``barbican-certs-manage`` as an operator runs it."""

import os
import subprocess
import sys

BIN = os.path.dirname(sys.executable)


def _manage(tmp_path, *args: str) -> str:
    conf = tmp_path / "barbican-certs.conf"
    conf.write_text("[DEFAULT]\nstate_path = %s\n"
                    "[database]\nauto_upgrade = false\n" % tmp_path)
    result = subprocess.run(
        [os.path.join(BIN, "barbican-certs-manage"), "--config-file",
         str(conf), *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


class TestManage:
    def test_db_upgrade_then_current(self, tmp_path):
        assert _manage(tmp_path, "db", "current").startswith(
            "not migrated")
        assert "Database at revision" in _manage(tmp_path, "db", "upgrade")
        current = _manage(tmp_path, "db", "current").strip()
        assert current and "newest" not in current

    def test_ca_list_shows_local_ca(self, tmp_path):
        _manage(tmp_path, "db", "upgrade")
        listing = _manage(tmp_path, "ca", "list")
        assert "local_ca" in listing
        assert "barbican-certs local CA" in listing
