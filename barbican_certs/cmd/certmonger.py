"""``barbican-certs-certmonger-submit``: a certmonger external CA helper.

certmonger runs the command given to ``getcert add-ca -e`` with the
operation in ``CERTMONGER_OPERATION`` and the request in other
``CERTMONGER_*`` variables, and reads the answer from the exit status and
standard output (certmonger's ``doc/helpers.txt``).  This helper answers
from the REST API of the service (SPEC 3 and 8.2)::

    getcert add-ca -c barbican -e 'barbican-certs-certmonger-submit
        --url http://127.0.0.1:9311 --project-id P'

``SUBMIT`` (also when the variable is unset)
    Creates a ``simple-cmc`` order from ``CERTMONGER_CSR`` (with
    ``CERTMONGER_CA_PROFILE`` as ``profile`` and a ``ca_id``, which a
    profile needs), then answers as ``POLL`` does.
``POLL``
    Follows the order named by ``CERTMONGER_CA_COOKIE`` for up to
    ``--wait`` seconds.  ``ACTIVE``: the certificate PEM, then the chain
    PEMs, exit 0.  Still ``PENDING``: ``--poll-delay`` on one line and the
    cookie (the order ref) on the next, exit 5.  ``ERROR``: the order's
    reason, exit 2.  Without a cookie it submits, as certmonger itself
    does.
``IDENTIFY``
    ``barbican-certs-certmonger-submit <version>``, exit 0.
``FETCH-ROOTS``
    A nickname line (the CA's name) and the CA certificate PEM, exit 0.
``GET-SUPPORTED-TEMPLATES`` / ``GET-DEFAULT-TEMPLATE``
    The CA's profile names, one a line / ``server-client`` when the CA has
    it, else its first profile, else nothing; exit 0.
anything else
    Nothing, exit 6.

The CA is ``--ca-id``, else the first of ``GET /v1/cas``; an order with
neither a profile nor ``--ca-id`` leaves the choice to the service.

Failures: a refusal by the service (4xx) is a rejection, exit 2, with the
service's description on standard output; 401 and 403, bad options and a
missing CSR are configuration problems, exit 4.  A service that cannot
be reached, answers 5xx or answers something unusable gives exit 3 while
no order exists; once one exists, exit 5 with a delay of at most
``RETRY_DELAY`` seconds and the cookie, so that certmonger polls the same
order again instead of ordering twice.

``--wait`` (default 10 s) lets a CA that issues at once, like the local CA,
answer in the same run instead of after ``--poll-delay``; ``--wait 0``
answers from the first read of the order.

Identity is ``X-Project-Id`` (``[api] auth_strategy = noauth``): Keystone
tokens are not supported yet, and a 401 says so.  Over ``https`` the
service's certificate is verified against the system's trust store
(``SSL_CERT_FILE`` names another bundle).  FETCH-ROOTS trusts what the
service serves: use ``https`` wherever the path to it is not trusted.
"""

import argparse
import dataclasses
import hashlib
import http.client
import importlib.metadata
import json
import logging
import os
import sys
import time
from typing import Any
from typing import Callable
from typing import Mapping
from typing import NoReturn
import urllib.error
import urllib.parse
import urllib.request
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

LOG = logging.getLogger(__name__)

PROGRAM = "barbican-certs-certmonger-submit"
DISTRIBUTION = "barbican-certs"

# Exit statuses of certmonger's external helper interface.
ISSUED = 0
REJECTED = 2
UNREACHABLE = 3
UNCONFIGURED = 4
WAIT_WITH_DELAY = 5
UNSUPPORTED = 6

DEFAULT_TIMEOUT = 30.0
DEFAULT_POLL_DELAY = 60
DEFAULT_WAIT = 10.0
RETRY_DELAY = 30
FIRST_WAIT_INTERVAL = 0.05
MAX_WAIT_INTERVAL = 1.0
DEFAULT_PROFILE = "server-client"
ORDER_STATUSES = ("PENDING", "ACTIVE", "ERROR")


class HelperError(Exception):
    """A failure certmonger is told of: an exit status and one line."""

    exit_status = UNREACHABLE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())


class ServiceFailure(HelperError):
    """The service was not reached, answered 5xx or something unusable."""

    exit_status = UNREACHABLE


class RequestRejected(HelperError):
    """The service refused a request (4xx) or the order ended ERROR."""

    exit_status = REJECTED


class HelperUnconfigured(HelperError):
    """Options, environment or credentials of the helper are wrong."""

    exit_status = UNCONFIGURED


@dataclasses.dataclass(frozen=True)
class Answer:
    """What certmonger reads: the exit status and the standard output."""

    status: int
    output: str = ""


class ServiceClient:
    """The few REST calls of the helper, over :mod:`urllib.request`.

    Every ref is resolved against ``url``: only its path from ``/v1/`` on
    is kept, so the helper talks to the service it was given even when
    the service's ``host_href`` names another address, and never sends
    its project id anywhere else.
    """

    def __init__(self, url: str, project_id: str, timeout: float) -> None:
        """Keep the service's base URL, project id and timeout.

        :param url: base URL of the service, without ``/v1``.
        :param project_id: sent as ``X-Project-Id`` on every call.
        :param timeout: seconds each HTTP call may take.
        """
        self.url = url
        self.project_id = project_id
        self.timeout = timeout

    def resolve(self, ref: str) -> str:
        """Turn a ref or a ``/v1/...`` path into a URL of the service.

        :param ref: an absolute ref from the service, or a path.
        :returns: ``url`` followed by the ref's path from ``/v1/`` on.
        :raises ServiceFailure: the ref has no ``/v1/`` path.
        """
        path = urllib.parse.urlsplit(ref).path
        index = path.find("/v1/")
        if index < 0:
            raise ServiceFailure("Unexpected reference from the service: "
                                 "%s" % ref)
        return self.url + path[index:]

    def get_json(self, ref: str) -> dict[str, Any]:
        """GET a JSON object.

        :param ref: what to read (see :meth:`resolve`).
        :returns: the decoded object.
        :raises HelperError: see :meth:`request`; :class:`ServiceFailure`
            when the body is not a JSON object.
        """
        return _json_object(self.request("GET", ref), ref)

    def post_json(self, ref: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON object and decode the JSON object answered.

        :param ref: where to post (see :meth:`resolve`).
        :param body: the request body.
        :returns: the decoded answer.
        :raises HelperError: as :meth:`get_json`.
        """
        return _json_object(self.request("POST", ref, body), ref)

    def get_bytes(self, ref: str) -> bytes:
        """GET a payload or PEM document, whatever its content type.

        :param ref: what to read (see :meth:`resolve`).
        :returns: the body.
        :raises HelperError: see :meth:`request`.
        """
        return self.request("GET", ref, accept="*/*")

    def request(self, method: str, ref: str,
                body: dict[str, Any] | None = None,
                accept: str = "application/json") -> bytes:
        """Make one HTTP call with the project's identity header.

        :param method: the HTTP method.
        :param ref: the target (see :meth:`resolve`).
        :param body: a JSON body, if any.
        :param accept: the ``Accept`` header.
        :returns: the body of a 2xx answer.
        :raises ServiceFailure: no connection, a timeout, or a 5xx.
        :raises HelperUnconfigured: a 401 or 403.
        :raises RequestRejected: any other 4xx.
        """
        url = self.resolve(ref)
        headers = {"X-Project-Id": self.project_id, "Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers,
                                         method=method)
        LOG.debug("%s %s", method, url)
        try:
            with urllib.request.urlopen(request,
                                        timeout=self.timeout) as response:
                answer: bytes = response.read()
                return answer
        except urllib.error.HTTPError as err:
            raise _http_error(method, url, err) from err
        except (OSError, http.client.HTTPException) as err:
            reason = getattr(err, "reason", None) or err
            raise ServiceFailure("Cannot reach the service at %s: %s"
                                 % (self.url, reason)) from err


def _json_object(data: bytes, ref: str) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except ValueError as err:
        raise ServiceFailure("Unexpected answer from the service for %s: "
                             "not JSON" % ref) from err
    if not isinstance(body, dict):
        raise ServiceFailure("Unexpected answer from the service for %s: "
                             "not a JSON object" % ref)
    return body


def _http_error(method: str, url: str,
                err: urllib.error.HTTPError) -> HelperError:
    """Map an HTTP error answer to what certmonger is told."""
    try:
        body = json.loads(err.read())
        description = str(body["description"])
    except (OSError, http.client.HTTPException, ValueError, KeyError,
            TypeError):
        description = str(err.reason)
    message = "%s (HTTP %d from %s %s)" % (description, err.code, method,
                                           url)
    LOG.debug("The service answered: %s", message)
    if err.code >= 500:
        return ServiceFailure(message)
    if err.code == 401:
        return HelperUnconfigured(message + "; this helper sends no "
                                  "Keystone token (not supported yet)")
    if err.code == 403:
        return HelperUnconfigured(message)
    return RequestRejected(message)


def _field(body: Mapping[str, Any], key: str, kind: type,
           what: str) -> Any:
    """Read one field of an answer, of the type the API documents."""
    value = body.get(key)
    if not isinstance(value, kind):
        raise ServiceFailure("Unexpected answer from the service: %s "
                             "has no %s" % (what, key))
    return value


def _id_of(ref: str) -> str:
    """The UUID at the end of a ref."""
    ref_id = ref.rstrip("/").rpartition("/")[2]
    try:
        uuid.UUID(ref_id)
    except ValueError as err:
        raise ServiceFailure("Unexpected reference from the service: %s"
                             % ref) from err
    return ref_id


def _load_certificate(data: bytes, what: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as err:
        raise ServiceFailure("Unexpected answer from the service: %s is "
                             "not a PEM certificate" % what) from err


def _load_chain(data: bytes, what: str) -> list[x509.Certificate]:
    try:
        return pkcs7.load_pem_pkcs7_certificates(data)
    except ValueError as err:
        raise ServiceFailure("Unexpected answer from the service: %s is "
                             "not PEM PKCS#7" % what) from err


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode(
        "ascii")


def _pending(delay: int, cookie: str) -> Answer:
    """Tell certmonger to poll again after ``delay`` seconds (status 5)."""
    return Answer(WAIT_WITH_DELAY, "%d\n%s\n" % (delay, cookie))


# -- Orders -------------------------------------------------------------

def submit(client: ServiceClient, options: argparse.Namespace,
           env: Mapping[str, str]) -> Answer:
    """Order a certificate for ``CERTMONGER_CSR``, then follow the order.

    :param client: the service.
    :param options: the parsed command line.
    :param env: the environment certmonger set.
    :returns: see :func:`follow`.
    :raises HelperUnconfigured: no CSR, or the service offers no CA.
    :raises RequestRejected: the service refused the order.
    :raises ServiceFailure: the order could not be created.
    """
    csr = env.get("CERTMONGER_CSR", "")
    if not csr.strip():
        raise HelperUnconfigured("CERTMONGER_CSR is not set: there is no "
                                 "request to submit")
    meta: dict[str, Any] = {"request_type": "simple-cmc",
                            "request_data": csr}
    profile = env.get("CERTMONGER_CA_PROFILE", "").strip()
    ca_id = options.ca_id
    if profile:
        # A profile is only accepted together with a ca_id (SPEC 3.3).
        ca_id = ca_id or first_ca_id(client)
        meta["profile"] = profile
    if ca_id:
        meta["ca_id"] = ca_id
    LOG.debug("Submitting CSR sha256:%(fingerprint)s, subject %(subject)s, "
              "CA %(ca)s, profile %(profile)s",
              {"fingerprint": hashlib.sha256(csr.encode()).hexdigest(),
               "subject": env.get("CERTMONGER_REQ_SUBJECT"),
               "ca": ca_id, "profile": profile or None})

    answer = client.post_json("/v1/orders",
                              {"type": "certificate", "meta": meta})
    order_ref = _field(answer, "order_ref", str, "the new order")
    LOG.info("Order %s created", order_ref)
    return follow(client, options, order_ref, order_ref)


def poll(client: ServiceClient, options: argparse.Namespace,
         env: Mapping[str, str]) -> Answer:
    """Follow the order named by ``CERTMONGER_CA_COOKIE``.

    :param client: the service.
    :param options: the parsed command line.
    :param env: the environment certmonger set.
    :returns: see :func:`follow`; without a cookie, see :func:`submit`.
    :raises RequestRejected: the cookie names no order of the service.
    """
    cookie = env.get("CERTMONGER_CA_COOKIE", "").strip()
    if not cookie:
        return submit(client, options, env)
    return follow(client, options, _order_path(cookie), cookie)


def _order_path(cookie: str) -> str:
    """``/v1/orders/<id>`` of the order ref a cookie holds."""
    path = urllib.parse.urlsplit(cookie).path.rstrip("/")
    head, _sep, order_id = path.rpartition("/")
    try:
        valid = head.endswith("/v1/orders") and bool(uuid.UUID(order_id))
    except ValueError:
        valid = False
    if not valid:
        raise RequestRejected("The cookie %r is not a barbican-certs order "
                              "reference" % cookie)
    return "/v1/orders/" + order_id


def follow(client: ServiceClient, options: argparse.Namespace,
           order_ref: str, cookie: str) -> Answer:
    """Answer from an order that exists, waiting up to ``--wait``.

    :param client: the service.
    :param options: the parsed command line.
    :param order_ref: the order.
    :param cookie: what certmonger gets back to poll this order.
    :returns: the certificate and chain (status 0), or the delay and the
        cookie (status 5) while the order is pending or the service
        fails.
    :raises RequestRejected: the order ended ``ERROR`` or is gone.
    """
    try:
        order = _wait_order(client, order_ref, options.wait)
        if order["status"] == "ACTIVE":
            return Answer(ISSUED, _certificates(client, order))
    except ServiceFailure as err:
        LOG.warning("Order %s: %s; certmonger will ask again", order_ref,
                    err.message)
        return _pending(min(RETRY_DELAY, options.poll_delay), cookie)

    if order["status"] == "ERROR":
        reason = str(order.get("error_reason")
                     or order.get("sub_status_message")
                     or "The order ended in ERROR")
        LOG.info("Order %s ended ERROR: %s", order_ref, reason)
        raise RequestRejected(reason)
    LOG.info("Order %s is still pending", order_ref)
    return _pending(options.poll_delay, cookie)


def _wait_order(client: ServiceClient, order_ref: str,
                wait: float) -> dict[str, Any]:
    """Read the order until it leaves PENDING or ``wait`` seconds pass."""
    deadline = time.monotonic() + wait
    interval = FIRST_WAIT_INTERVAL
    while True:
        order = client.get_json(order_ref)
        if order.get("status") not in ORDER_STATUSES:
            raise ServiceFailure("Unexpected answer from the service: "
                                 "order %s has no known status" % order_ref)
        remaining = deadline - time.monotonic()
        if order["status"] != "PENDING" or remaining <= 0:
            return order
        time.sleep(min(interval, remaining))
        interval = min(interval * 2, MAX_WAIT_INTERVAL)


def _certificates(client: ServiceClient, order: dict[str, Any]) -> str:
    """The PEM certificate of an ACTIVE order, then its chain's PEMs."""
    order_ref = str(order.get("order_ref"))
    container = client.get_json(_field(order, "container_ref", str,
                                       "order %s" % order_ref))
    secrets: dict[str, Any] = {
        str(entry.get("name")): entry.get("secret_ref")
        for entry in _field(container, "secret_refs", list,
                            "the certificate container")
        if isinstance(entry, dict)}
    certificate_ref = _field(secrets, "certificate", str,
                             "the certificate container")
    certificate = _load_certificate(
        client.get_bytes(certificate_ref + "/payload"), "the certificate")
    chain = []
    intermediates_ref = secrets.get("intermediates")
    if isinstance(intermediates_ref, str):
        chain = _load_chain(client.get_bytes(intermediates_ref + "/payload"),
                            "the intermediates")

    _log_issued(order_ref, certificate)
    return "".join(_pem(cert) for cert in
                   [certificate] + [c for c in chain if c != certificate])


def _log_issued(order_ref: str, certificate: x509.Certificate) -> None:
    LOG.info("Order %(order)s issued serial %(serial)x, subject "
             "%(subject)s, issuer %(issuer)s, not after %(not_after)s, "
             "sha256 %(fingerprint)s",
             {"order": order_ref, "serial": certificate.serial_number,
              "subject": certificate.subject.rfc4514_string(),
              "issuer": certificate.issuer.rfc4514_string(),
              "not_after": certificate.not_valid_after_utc.isoformat(),
              "fingerprint": certificate.fingerprint(hashes.SHA256()).hex()})


# -- CA information -----------------------------------------------------

def first_ca_id(client: ServiceClient) -> str:
    """The id of the first CA the service lists to the project.

    :param client: the service.
    :returns: a CA id.
    :raises HelperUnconfigured: the service lists no CA.
    :raises ServiceFailure: as :meth:`ServiceClient.request`.
    """
    cas = _field(client.get_json("/v1/cas"), "cas", list, "the CA list")
    if not cas:
        raise HelperUnconfigured("The service at %s offers no CA to project "
                                 "%s" % (client.url, client.project_id))
    if not isinstance(cas[0], str):
        raise ServiceFailure("Unexpected answer from the service: the CA "
                             "list holds no refs")
    return _id_of(cas[0])


def _ca_id(client: ServiceClient, options: argparse.Namespace) -> str:
    return str(options.ca_id) if options.ca_id else first_ca_id(client)


def identify(client: ServiceClient, options: argparse.Namespace,
             env: Mapping[str, str]) -> Answer:
    """Name the helper and its version (no call to the service).

    :returns: ``barbican-certs-certmonger-submit <version>``, status 0.
    """
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "(not installed)"
    return Answer(ISSUED, "%s %s\n" % (PROGRAM, version))


def fetch_roots(client: ServiceClient, options: argparse.Namespace,
                env: Mapping[str, str]) -> Answer:
    """Give the CA certificate as certmonger stores roots.

    :returns: a nickname line (the CA's name) and the PEM, status 0.
    :raises HelperError: as :meth:`ServiceClient.request`.
    """
    ca_id = _ca_id(client, options)
    ca = client.get_json("/v1/cas/%s" % ca_id)
    names = [entry["name"] for entry in ca.get("meta") or []
             if isinstance(entry, dict)
             and isinstance(entry.get("name"), str)]
    nickname = " ".join(" ".join(names).split())
    if not nickname:
        nickname = "barbican-certs CA %s" % ca_id
    certificate = _load_certificate(
        client.get_bytes("/v1/cas/%s/cacert" % ca_id),
        "the certificate of CA %s" % ca_id)
    return Answer(ISSUED, "%s\n%s" % (nickname, _pem(certificate)))


def _profile_names(client: ServiceClient,
                   options: argparse.Namespace) -> list[str]:
    body = client.get_json("/v1/cas/%s/profiles" % _ca_id(client, options))
    return [profile["name"] for profile in _field(body, "profiles", list,
                                                  "the profile list")
            if isinstance(profile, dict)
            and isinstance(profile.get("name"), str)]


def supported_templates(client: ServiceClient, options: argparse.Namespace,
                        env: Mapping[str, str]) -> Answer:
    """List the CA's profiles, one a line.

    :returns: the names (nothing when the CA has none), status 0.
    :raises HelperError: as :meth:`ServiceClient.request`.
    """
    return Answer(ISSUED, "".join(name + "\n" for name in
                                  _profile_names(client, options)))


def default_template(client: ServiceClient, options: argparse.Namespace,
                     env: Mapping[str, str]) -> Answer:
    """Name the profile certmonger should use when none is asked for.

    :returns: ``server-client`` when the CA has it, else its first
        profile, else nothing; status 0.
    :raises HelperError: as :meth:`ServiceClient.request`.
    """
    names = _profile_names(client, options)
    if not names:
        return Answer(ISSUED)
    return Answer(ISSUED, "%s\n" % (DEFAULT_PROFILE if DEFAULT_PROFILE
                                    in names else names[0]))


Operation = Callable[[ServiceClient, argparse.Namespace, Mapping[str, str]],
                     Answer]

OPERATIONS: dict[str, Operation] = {
    "SUBMIT": submit,
    "POLL": poll,
    "IDENTIFY": identify,
    "FETCH-ROOTS": fetch_roots,
    "GET-SUPPORTED-TEMPLATES": supported_templates,
    "GET-DEFAULT-TEMPLATE": default_template,
}


# -- Command line -------------------------------------------------------

class _ArgumentParser(argparse.ArgumentParser):
    """Usage errors exit 4 (unconfigured) with the message on stdout.

    argparse's own status 2 would tell certmonger the CA rejected the
    request.
    """

    def error(self, message: str) -> NoReturn:
        raise HelperUnconfigured("%s: %s" % (self.prog, message))


def _service_url(value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError("not an http(s) URL: %r" % value)
    path = parts.path.rstrip("/")
    path = path[:-len("/v1")] if path.endswith("/v1") else path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "",
                                    ""))


def _ca_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError as err:
        raise argparse.ArgumentTypeError("not a CA id (UUID): %r"
                                         % value) from err


def _number(kind: Callable[[str], float],
             minimum: float) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            number = kind(value)
        except ValueError as err:
            raise argparse.ArgumentTypeError("not a number: %r"
                                             % value) from err
        if number < minimum:
            raise argparse.ArgumentTypeError("must be at least %s" % minimum)
        return number
    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line certmonger was configured with.

    :param argv: the arguments, ``sys.argv[1:]`` when ``None``.
    :returns: the options.
    :raises HelperUnconfigured: an option is missing or wrong.
    """
    parser = _ArgumentParser(
        prog=PROGRAM, description="certmonger external CA helper for "
        "barbican-certs; the operation is $CERTMONGER_OPERATION.")
    parser.add_argument("--url", required=True, type=_service_url,
                        help="base URL of the service")
    parser.add_argument("--project-id", required=True,
                        help="project to order in (X-Project-Id)")
    parser.add_argument("--ca-id", type=_ca_uuid,
                        help="CA to order from and to describe (default: "
                        "the first of /v1/cas)")
    parser.add_argument("--timeout", type=_number(float, 0.001),
                        default=DEFAULT_TIMEOUT,
                        help="seconds per HTTP call (default %(default)s)")
    parser.add_argument("--poll-delay", type=_number(int, 0),
                        default=DEFAULT_POLL_DELAY,
                        help="seconds certmonger waits before polling a "
                        "pending order (default %(default)s)")
    parser.add_argument("--wait", type=_number(float, 0),
                        default=DEFAULT_WAIT,
                        help="seconds to wait for a pending order before "
                        "answering (default %(default)s)")
    parser.add_argument("--debug", action="store_true",
                        help="log to standard error in detail")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run one certmonger operation.

    :param argv: the arguments, ``sys.argv[1:]`` when ``None``.
    :returns: the exit status certmonger reads.
    """
    env = os.environ
    operation = env.get("CERTMONGER_OPERATION", "").strip() or "SUBMIT"
    handler = OPERATIONS.get(operation)
    if handler is None:
        return UNSUPPORTED
    try:
        options = parse_args(argv)
        logging.basicConfig(
            stream=sys.stderr, format="%(name)s %(levelname)s %(message)s",
            level=logging.DEBUG if options.debug else logging.WARNING)
        client = ServiceClient(options.url, options.project_id,
                               options.timeout)
        answer = handler(client, options, env)
    except HelperError as err:
        answer = Answer(err.exit_status, err.message + "\n")
    sys.stdout.write(answer.output)
    sys.stdout.flush()
    return answer.status


if __name__ == "__main__":
    sys.exit(main())
