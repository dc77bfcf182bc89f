"""Real processes over real HTTP: helpers of the functional tests.

Each test starts the installed console scripts (``barbican-certs-api``,
``barbican-certs-worker``) with a configuration file of its own and talks
to them with ``requests``.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import requests

BIN = os.path.dirname(sys.executable)
START_TIMEOUT = 60
ORDER_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(path: str, sections: dict[str, dict[str, Any]]) -> None:
    with open(path, "w") as f:
        for section, values in sections.items():
            f.write("[%s]\n" % section)
            for key, value in values.items():
                f.write("%s = %s\n" % (key, value))
            f.write("\n")


class ServiceProcess:
    """One console script run as a child process with its own log file."""

    def __init__(self, workdir: str, name: str, command: str,
                 config_file: str) -> None:
        self.name = name
        self.log_path = os.path.join(workdir, name + ".log")
        self.argv = [os.path.join(BIN, command), "--config-file",
                     config_file]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=log,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash would."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()


class Service:
    """An API (and optional workers) sharing one configuration."""

    def __init__(self, workdir: str, sections: dict[str, dict[str, Any]]
                 | None = None) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.sections: dict[str, dict[str, Any]] = {
            "DEFAULT": {"bind_port": self.port,
                        "state_path": os.path.join(workdir, "state"),
                        "debug": "true"},
            "scheduler": {"interval_seconds": 0.2},
        }
        for section, values in (sections or {}).items():
            self.sections.setdefault(section, {}).update(values)
        self.config_file = os.path.join(workdir, "barbican-certs.conf")
        write_config(self.config_file, self.sections)
        self.api = ServiceProcess(workdir, "api", "barbican-certs-api",
                                  self.config_file)
        self.workers: list[ServiceProcess] = []

    def add_worker(self) -> ServiceProcess:
        worker = ServiceProcess(self.workdir,
                                "worker%d" % len(self.workers),
                                "barbican-certs-worker", self.config_file)
        self.workers.append(worker)
        worker.start()
        return worker

    def start(self) -> None:
        self.api.start()
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.api.proc is not None
            code = self.api.proc.poll()
            assert code is None, "API exited with %s:\n%s" % (
                code, self.api.log())
            try:
                if requests.get(self.url + "/healthcheck",
                                timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError("API did not start:\n" + self.api.log())

    def stop(self) -> None:
        for process in [self.api] + self.workers:
            process.stop()

    def logs(self) -> str:
        return "\n".join(p.log() for p in [self.api] + self.workers)

    def client(self, project: str, **headers: str) -> "Client":
        return Client(self.url, project, headers)


class Client:
    """requests with the identity headers of one project."""

    def __init__(self, url: str, project: str,
                 headers: dict[str, str]) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["X-Project-Id"] = project
        self.session.headers.update(headers)

    def _url(self, path_or_ref: str) -> str:
        if path_or_ref.startswith("http"):
            return path_or_ref
        return self.url + path_or_ref

    def request(self, method: str, path: str,
                **kwargs: Any) -> requests.Response:
        return self.session.request(method, self._url(path), timeout=30,
                                    **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create_order(self, order_type: str, meta: dict[str, Any]) -> str:
        response = self.post("/v1/orders/",
                             json={"type": order_type, "meta": meta})
        assert response.status_code == 202, response.text
        return response.json()["order_ref"]

    def wait_order(self, order_ref: str,
                   timeout: float = ORDER_TIMEOUT) -> dict[str, Any]:
        """Poll until the order leaves PENDING; returns its last body."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.get(order_ref).json()
            if body["status"] != "PENDING" or time.monotonic() > deadline:
                return body
            time.sleep(0.1)
