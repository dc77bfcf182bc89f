"""The local CA plugin: a CA that lives in this service (SPEC section 6).

On first use it creates a root key and self-signed certificate under
``<state_path>/local_ca/root/`` and reuses them afterwards; subordinate CAs
live under ``<state_path>/local_ca/subcas/<id>/``.  Each CA directory holds
``ca_key.pem`` (PKCS#8, mode 0600), ``ca_cert.pem`` and ``ca.json`` (name
and description).  A directory is written completely under a temporary
name and then renamed into place, so processes starting at the same time
agree on one root: the first rename wins and the others read its files.

The local CA signs at once: issuance methods answer ``certificate
generated`` or a refusal, never ``waiting for CA``.  Full CMC requests are
not served yet; :meth:`LocalCAPlugin.supported_request_types` leaves
``full-cmc`` out so the core never sends one.
"""

import base64
import dataclasses
import datetime
import errno
import ipaddress
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
from typing import Any
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import types as key_types
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID
from oslo_config import cfg
from oslo_log import log as logging

from barbican_certs.common import config
from barbican_certs.common import exception
from barbican_certs.common import validators
from barbican_certs.pki import cmc as pki_cmc
from barbican_certs.pki import csr as pki_csr
from barbican_certs.plugin.interface import certificate_manager as cm

LOG = logging.getLogger(__name__)

PROFILE_SERVER = "server"
PROFILE_CLIENT = "client"
PROFILE_SERVER_CLIENT = "server-client"

_PROFILE_EKUS = {
    PROFILE_SERVER: [ExtendedKeyUsageOID.SERVER_AUTH],
    PROFILE_CLIENT: [ExtendedKeyUsageOID.CLIENT_AUTH],
    PROFILE_SERVER_CLIENT: [ExtendedKeyUsageOID.SERVER_AUTH,
                            ExtendedKeyUsageOID.CLIENT_AUTH],
}
_PROFILE_DESCRIPTIONS = {
    PROFILE_SERVER: "TLS server certificate (extendedKeyUsage serverAuth).",
    PROFILE_CLIENT: "TLS client certificate (extendedKeyUsage clientAuth).",
    PROFILE_SERVER_CLIENT: "TLS server and client certificate "
                           "(extendedKeyUsage serverAuth, clientAuth).",
}

local_ca_opts = [
    cfg.StrOpt(
        "ca_key_type", default="ec", choices=["ec", "rsa"],
        help="Key type of the CAs the local CA creates: ec (NIST P-256) or "
             "rsa.  Read when a CA is created; an existing root keeps its "
             "key."),
    cfg.IntOpt(
        "ca_rsa_key_size", default=3072, min=2048, max=8192,
        help="RSA modulus size in bits of new CA keys when ca_key_type is "
             "rsa."),
    cfg.StrOpt(
        "ca_subject_dn", default="CN=barbican-certs local CA",
        help="Subject of the root certificate, as an RFC 4514 string.  Read "
             "when the root is created."),
    cfg.IntOpt(
        "ca_validity_days", default=3650, min=1,
        help="Days the root certificate is valid, from its creation."),
    cfg.IntOpt(
        "subca_validity_days", default=1825, min=1,
        help="Days a subordinate CA certificate is valid, never past the "
             "root's own expiry."),
    cfg.IntOpt(
        "default_validity_days", default=90, min=1,
        help="Days an issued certificate is valid, never past the expiry of "
             "the CA that signs it."),
    cfg.StrOpt(
        "default_profile", default=PROFILE_SERVER_CLIENT,
        choices=sorted(_PROFILE_EKUS),
        help="Profile of orders that name none: server (serverAuth), "
             "client (clientAuth) or server-client (both)."),
]

config.CONF.register_opts(local_ca_opts, group="local_ca")


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Options of the local CA plugin, for ``oslo-config-generator``."""
    return [("local_ca", local_ca_opts)]


ROOT_CA_ID = "root"

_KEY_FILE = "ca_key.pem"
_CERT_FILE = "ca_cert.pem"
_INFO_FILE = "ca.json"

# Certificates start a little in the past so that a client whose clock is
# slightly behind still accepts them.
_CLOCK_SKEW = datetime.timedelta(minutes=5)

_SERIAL_BITS = 159

_KEYGEN_FIELDS = ("subject_dn", "dns_names", "ip_addresses")
_KEY_FIELDS = ("key_algorithm", "key_size")
_EC_CURVES: dict[int, ec.EllipticCurve] = {
    256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}
_RSA_SIZES = (2048, 3072, 4096)
_DEFAULT_KEY_SIZES = {"ec": 256, "rsa": 3072}

_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")

_REQUEST_TYPES = [
    cm.CertificateRequestType.SIMPLE_CMC.value,
    cm.CertificateRequestType.FULL_CMC.value,
    cm.CertificateRequestType.STORED_KEY.value,
    cm.CertificateRequestType.CUSTOM.value,
]

IssuerKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
SubjectKey = key_types.CertificatePublicKeyTypes


@dataclasses.dataclass(frozen=True)
class _CA:
    """One CA of this plugin, loaded from its directory."""

    plugin_ca_id: str
    name: str
    description: str
    cert: x509.Certificate
    key: IssuerKey = dataclasses.field(repr=False)
    chain: tuple[x509.Certificate, ...] = dataclasses.field(repr=False)

    @property
    def cert_pem(self) -> str:
        pem = self.cert.public_bytes(serialization.Encoding.PEM)
        return pem.decode("ascii")

    @property
    def chain_pkcs7(self) -> bytes:
        """This CA's certificate and those above it, as PEM PKCS#7."""
        return pkcs7.serialize_certificates(
            list(self.chain), serialization.Encoding.PEM)


class LocalCAPlugin(cm.CAPluginBase):
    """A CA run by this service, with keys under ``state_path``.

    Serves ``simple-cmc``, ``stored-key`` and ``custom`` orders, creates
    and deletes subordinate CAs, and signs synchronously.  It records in
    ``plugin_meta`` the ``serial`` (hex), ``plugin_ca_id``,
    ``certificate`` and ``intermediates`` of what it issued.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, _CA] = {}

    # -- issuance --------------------------------------------------------

    def supported_request_types(self) -> list[str]:
        """List every request type: this CA serves them all.

        :returns: the request types.
        """
        return list(_REQUEST_TYPES)

    def issue_simple_cmc_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: cm.BarbicanMetaDTO) -> cm.ResultDTO:
        """Sign the PKCS#10 request in ``barbican_meta_dto.request_der``.

        Serves ``simple-cmc`` and ``stored-key`` orders.  The profile is
        ``order_meta['profile']`` or ``[local_ca] default_profile``.

        :returns: ``certificate generated``; ``client data issue seen``
            for a bad request or profile; ``invalid operation`` when the
            order's CA no longer exists.
        """
        der = barbican_meta_dto.request_der
        try:
            profile = _profile_of(order_meta)
            if not der:
                raise exception.InvalidPKCS10Data(reason="Bad format",
                                                  detail="no request DER")
            csr = pki_csr.check_pkcs10(der)
        except exception.Invalid as err:
            return _refused(order_id, err)
        return self._issue_for_csr(order_id, csr, profile, plugin_meta,
                                   barbican_meta_dto)

    def issue_full_cmc_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: cm.BarbicanMetaDTO) -> cm.ResultDTO:
        """Answer a Full PKI Request with a signed Full PKI Response.

        The request is verified again (RFC 5272 section 3.2), its one
        PKCS#10 request certified, and the response (RFC 5272 section
        4.2), signed by the issuing CA and echoing transactionId and the
        sender's nonce, is turned into the result by
        :func:`barbican_certs.pki.cmc.parse_cmc_response`, as a remote
        CA's would be.  Its DER, base64, stays in ``plugin_meta`` under
        ``cmc_response``.  A request with several PKCS#10 requests or
        controls this CA cannot honour gets a ``failed`` response
        (badRequest).

        :returns: what the response says.
        """
        ca = self._issuing_ca(order_id, barbican_meta_dto.plugin_ca_id)
        if ca is None:
            return _ca_gone(barbican_meta_dto.plugin_ca_id)
        try:
            profile = _profile_of(order_meta)
            request = pki_cmc.parse_full_pki_request(
                barbican_meta_dto.request_der or b"",
                validators.trusted_ra_certificates())
        except exception.Invalid as err:
            return _refused(order_id, err)

        answer: dict[str, Any] = {
            "signer_key": ca.key, "signer_certificate": ca.cert,
            "body_part_ids": [r.body_part_id for r in request.requests],
            "transaction_id": request.transaction_id,
            "recipient_nonce": request.sender_nonce}
        tagged = request.requests[0]
        san = _requested_san(tagged.csr)
        if (len(request.requests) != 1 or request.other_controls
                or (san is None and not len(tagged.csr.subject))):
            response = pki_cmc.build_full_pki_response(
                status="failed", fail_info="badRequest", **answer)
        else:
            cert = self._issue(order_id, ca, tagged.csr.subject,
                               tagged.csr.public_key(), san, profile)
            response = pki_cmc.build_full_pki_response(
                status="success", certificates=[cert, *ca.chain],
                **answer)
        plugin_meta["cmc_response"] = base64.b64encode(response).decode()
        return pki_cmc.parse_cmc_response(
            response, tagged.csr.public_key(), plugin_meta)

    def issue_certificate_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: cm.BarbicanMetaDTO) -> cm.ResultDTO:
        """Issue from ``custom`` parameters (see :meth:`get_profiles`).

        Either signs the request in ``request_data`` or generates a key
        pair from ``key_algorithm`` and ``key_size`` and certifies it for
        ``subject_dn``, ``dns_names`` and ``ip_addresses``; the private
        key then goes back in ``barbican_meta_dto.generated_key_pem``.

        :returns: ``certificate generated``; ``client data issue seen``
            for parameters :meth:`validate_custom_meta` refuses;
            ``invalid operation`` when the order's CA no longer exists.
        """
        try:
            self.validate_custom_meta(order_meta)
            profile = _profile_of(order_meta)
            if "request_data" in order_meta:
                csr = pki_csr.load_pkcs10(order_meta["request_data"])
                return self._issue_for_csr(order_id, csr, profile,
                                           plugin_meta, barbican_meta_dto)
            subject = _subject_of(order_meta)
        except exception.Invalid as err:
            return _refused(order_id, err)

        ca = self._issuing_ca(order_id, barbican_meta_dto.plugin_ca_id)
        if ca is None:
            return _ca_gone(barbican_meta_dto.plugin_ca_id)
        key = _generate_key(order_meta)
        cert = self._issue(order_id, ca, subject, key.public_key(),
                           _san_of(order_meta), profile)
        barbican_meta_dto.generated_key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        return _generated(ca, cert, plugin_meta)

    def validate_custom_meta(self, meta: dict[str, Any]) -> None:
        """Check the ``custom`` parameters of an order, for the API.

        :param meta: the order's ``meta``.
        :raises barbican_certs.common.exception.InvalidMetadata: a
            parameter is missing, of the wrong type, or conflicts with
            another.
        :raises barbican_certs.common.exception.Invalid: ``request_data``
            does not decode or is not a valid PKCS#10 request, or
            ``subject_dn`` does not parse (the errors of
            :mod:`barbican_certs.pki.csr`).
        """
        _profile_of(meta)
        keygen = [k for k in _KEYGEN_FIELDS + _KEY_FIELDS if k in meta]
        if "request_data" in meta:
            if keygen:
                raise exception.InvalidMetadata(
                    reason="request_data cannot be combined with %s"
                    % ", ".join(keygen))
            _check_request_data(meta["request_data"])
            return
        if not any(meta.get(k) for k in _KEYGEN_FIELDS):
            raise exception.InvalidMetadata(
                reason="Missing required metadata field for request_data, "
                       "or for subject_dn, dns_names or ip_addresses")
        _subject_of(meta)
        _san_of(meta)
        _key_spec_of(meta)

    def check_certificate_status(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: cm.BarbicanMetaDTO) -> cm.ResultDTO:
        """Repeat the answer of an issuance: the local CA never waits.

        :returns: ``certificate generated`` with the certificate recorded
            in ``plugin_meta``, or ``invalid operation`` when none is.
        """
        certificate = plugin_meta.get("certificate")
        if not certificate:
            return cm.ResultDTO(
                cm.CertificateStatus.INVALID_OPERATION,
                "The local CA issues certificates at once; it holds no "
                "request to check for this order.")
        intermediates = plugin_meta.get("intermediates")
        return cm.ResultDTO(
            cm.CertificateStatus.CERTIFICATE_GENERATED,
            "Certificate has been generated",
            certificate=certificate.encode("ascii"),
            intermediates=(intermediates.encode("ascii")
                           if intermediates else None))

    def modify_certificate_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: cm.BarbicanMetaDTO) -> cm.ResultDTO:
        """Refuse: the local CA holds no pending request to change.

        :returns: ``invalid operation``.
        """
        return cm.ResultDTO(
            cm.CertificateStatus.INVALID_OPERATION,
            "The local CA issues certificates at once; it holds no pending "
            "request to modify.")

    def cancel_certificate_request(
            self, order_id: str, order_meta: dict[str, Any],
            plugin_meta: dict[str, str],
            barbican_meta_dto: cm.BarbicanMetaDTO) -> cm.ResultDTO:
        """Refuse: the local CA holds no pending request to withdraw.

        :returns: ``invalid operation``.
        """
        return cm.ResultDTO(
            cm.CertificateStatus.INVALID_OPERATION,
            "The local CA issues certificates at once; it holds no pending "
            "request to cancel.")

    # -- CAs and profiles ------------------------------------------------

    def get_ca_info(self) -> dict[str, dict[str, Any]]:
        """Describe the root CA, creating it on first use.

        :returns: ``{"root": {...}}`` with the keys of
            :meth:`CAPluginBase.get_ca_info`; ``intermediates`` holds the
            root certificate itself.
        """
        return {ROOT_CA_ID: _info(self._root())}

    def get_default_ca_name(self) -> str:
        """Name the root CA.

        :returns: its display name.
        """
        return self._root().name

    def get_default_signing_cert(self) -> str:
        """Give the root certificate.

        :returns: PEM text.
        """
        return self._root().cert_pem

    def get_default_intermediates(self) -> str:
        """Give the root's chain: the root certificate alone.

        :returns: PEM PKCS#7 text.
        """
        return self._root().chain_pkcs7.decode("ascii")

    def supports_create_ca(self) -> bool:
        """Tell that this plugin creates subordinate CAs.

        :returns: ``True``.
        """
        return True

    def create_ca(self, ca_create_dto: cm.CACreateDTO) -> dict[str, Any]:
        """Create a subordinate CA signed by the root, pathLenConstraint 0.

        :param ca_create_dto: the new CA; its parent must be the root.
        :returns: the CA's information, with ``plugin_ca_id``.
        :raises barbican_certs.common.exception.InvalidReference: the
            parent is not the root CA.
        :raises barbican_certs.common.exception.InvalidSubjectDN: the
            subject does not parse.
        """
        parent_id = ca_create_dto.parent_ca_id or ROOT_CA_ID
        if parent_id != ROOT_CA_ID:
            raise exception.InvalidReference(
                reason="Only the root CA of the local CA plugin can sign a "
                       "subordinate CA.")
        subject = pki_csr.parse_subject_dn(ca_create_dto.subject_dn)

        root = self._root()
        key = _generate_ca_key()
        cert = _sign_ca(subject, key, root, path_length=0,
                        days=config.CONF.local_ca.subca_validity_days)
        plugin_ca_id = str(uuid.uuid4())
        path = _subca_dir(plugin_ca_id)
        _publish_ca(path, key, cert, ca_create_dto.name,
                    ca_create_dto.description or "")
        LOG.info("CA %(ca)s created under the local root: subject %(subj)s, "
                 "not after %(not_after)s",
                 {"ca": plugin_ca_id, "subj": cert.subject.rfc4514_string(),
                  "not_after": cert.not_valid_after_utc.isoformat()})
        ca = _load_ca(path, plugin_ca_id, parent=root)
        with self._lock:
            self._cache[path] = ca
        return dict(_info(ca), **{cm.INFO_PLUGIN_CA_ID: plugin_ca_id})

    def delete_ca(self, plugin_ca_id: str) -> None:
        """Delete a subordinate CA and its key.

        Deleting one that is already gone succeeds, with a warning.

        :param plugin_ca_id: the id :meth:`create_ca` returned.
        :raises barbican_certs.common.exception.NotAuthorized: it is the
            root CA.
        :raises CertificateGeneralException: the id is not one this plugin
            ever made.
        """
        if plugin_ca_id == ROOT_CA_ID:
            raise exception.NotAuthorized(
                detail="the root CA of local_ca cannot be deleted")
        path = _subca_dir(plugin_ca_id)
        with self._lock:
            self._cache.pop(path, None)
        trash = "%s.deleted-%s" % (path, secrets.token_hex(4))
        try:
            os.rename(path, trash)
        except FileNotFoundError:
            LOG.warning("CA %s to delete was already gone", plugin_ca_id)
            return
        shutil.rmtree(trash)
        LOG.info("CA %s deleted with its key", plugin_ca_id)

    def get_profiles(self, plugin_ca_id: str) -> list[dict[str, Any]]:
        """List the profiles ``server``, ``client`` and ``server-client``.

        :param plugin_ca_id: the root or a subordinate CA of this plugin.
        :returns: one dict per profile; ``parameters`` is a JSON Schema
            (draft 2020-12) of the ``custom`` parameters.
        :raises barbican_certs.common.exception.NotFound: no such CA.
        """
        if self._find_ca(plugin_ca_id) is None:
            raise exception.NotFound(entity="CA",
                                     detail="local_ca CA %s" % plugin_ca_id)
        return [_profile(name) for name in sorted(_PROFILE_EKUS)]

    # -- helpers -----------------------------------------------------------

    def _root(self) -> _CA:
        path = os.path.join(_base_dir(), "root")
        with self._lock:
            ca = self._cache.get(path)
            if ca is None:
                if not os.path.isdir(path):
                    _create_root(path)
                ca = _load_ca(path, ROOT_CA_ID, parent=None)
                self._cache[path] = ca
            return ca

    def _find_ca(self, plugin_ca_id: str | None) -> _CA | None:
        if plugin_ca_id is None or plugin_ca_id == ROOT_CA_ID:
            return self._root()
        try:
            path = _subca_dir(plugin_ca_id)
        except cm.CertificateGeneralException:
            return None
        root = self._root()
        with self._lock:
            if not os.path.isdir(path):
                self._cache.pop(path, None)
                return None
            ca = self._cache.get(path)
            if ca is None:
                ca = _load_ca(path, plugin_ca_id, parent=root)
                self._cache[path] = ca
            return ca

    def _issuing_ca(self, order_id: str,
                    plugin_ca_id: str | None) -> _CA | None:
        ca = self._find_ca(plugin_ca_id)
        if ca is None:
            LOG.warning("Order %(order)s names CA %(ca)s, which the local CA "
                        "does not have", {"order": order_id,
                                          "ca": plugin_ca_id})
        return ca

    def _issue_for_csr(self, order_id: str,
                       csr: x509.CertificateSigningRequest, profile: str,
                       plugin_meta: dict[str, str],
                       dto: cm.BarbicanMetaDTO) -> cm.ResultDTO:
        san = _requested_san(csr)
        if san is None and not len(csr.subject):
            return _refused(order_id, exception.InvalidPKCS10Data(
                reason="no subject and no subjectAltName"))

        ca = self._issuing_ca(order_id, dto.plugin_ca_id)
        if ca is None:
            return _ca_gone(dto.plugin_ca_id)
        cert = self._issue(order_id, ca, csr.subject, csr.public_key(), san,
                           profile)
        return _generated(ca, cert, plugin_meta)

    def _issue(self, order_id: str, ca: _CA, subject: x509.Name,
               public_key: SubjectKey,
               san: x509.SubjectAlternativeName | None,
               profile: str) -> x509.Certificate:
        not_before, not_after = _validity(
            ca.cert, config.CONF.local_ca.default_validity_days)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca.cert.subject)
            .public_key(public_key)
            .serial_number(_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(_key_usage(public_key), critical=True)
            .add_extension(x509.ExtendedKeyUsage(_PROFILE_EKUS[profile]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                public_key), critical=False)
            .add_extension(_authority_key_id(ca.cert), critical=False))
        if san is not None:
            # RFC 5280 §4.2.1.6: critical when the subject is empty.
            builder = builder.add_extension(san, critical=not len(subject))
        cert = builder.sign(ca.key, hashes.SHA256())
        _log_issued(order_id, cert)
        return cert


# -- results -----------------------------------------------------------------

def _refused(order_id: str, err: exception.BarbicanCertsException
             ) -> cm.ResultDTO:
    LOG.debug("Order %(order)s refused by the local CA: %(err)s",
              {"order": order_id, "err": err})
    return cm.ResultDTO(cm.CertificateStatus.CLIENT_DATA_ISSUE_SEEN,
                        err.client_message)


def _ca_gone(plugin_ca_id: str | None) -> cm.ResultDTO:
    return cm.ResultDTO(
        cm.CertificateStatus.INVALID_OPERATION,
        "The CA %s of the local CA plugin does not exist." % plugin_ca_id)


def _generated(ca: _CA, cert: x509.Certificate,
               plugin_meta: dict[str, str]) -> cm.ResultDTO:
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    chain = ca.chain_pkcs7
    plugin_meta.update({
        "serial": format(cert.serial_number, "x"),
        "plugin_ca_id": ca.plugin_ca_id,
        "certificate": cert_pem.decode("ascii"),
        "intermediates": chain.decode("ascii"),
    })
    return cm.ResultDTO(cm.CertificateStatus.CERTIFICATE_GENERATED,
                        "Certificate has been generated",
                        certificate=cert_pem, intermediates=chain)


def _log_issued(order_id: str, cert: x509.Certificate) -> None:
    LOG.info("Order %(order)s: certificate %(serial)s issued by %(issuer)s "
             "to %(subject)s, not after %(not_after)s, SHA-256 %(fp)s",
             {"order": order_id, "serial": format(cert.serial_number, "x"),
              "issuer": cert.issuer.rfc4514_string(),
              "subject": cert.subject.rfc4514_string(),
              "not_after": cert.not_valid_after_utc.isoformat(),
              "fp": cert.fingerprint(hashes.SHA256()).hex()})


def _info(ca: _CA) -> dict[str, Any]:
    refresh = _now() + datetime.timedelta(
        days=cm.CA_INFO_DEFAULT_EXPIRATION_DAYS)
    return {
        cm.INFO_NAME: ca.name,
        cm.INFO_DESCRIPTION: ca.description,
        cm.INFO_CA_SIGNING_CERT: ca.cert_pem,
        cm.INFO_INTERMEDIATES: ca.chain_pkcs7.decode("ascii"),
        cm.INFO_EXPIRATION: min(refresh, ca.cert.not_valid_after_utc),
    }


# -- custom parameters -------------------------------------------------------

def _profile_of(meta: dict[str, Any]) -> str:
    profile = meta.get("profile") or config.CONF.local_ca.default_profile
    if not isinstance(profile, str) or profile not in _PROFILE_EKUS:
        raise exception.InvalidMetadata(reason="Invalid profile: %s"
                                        % profile)
    return profile


def _check_request_data(data: Any) -> None:
    if not isinstance(data, str):
        raise exception.InvalidMetadata(
            reason="Invalid request_data: a string is expected")
    pki_csr.load_pkcs10(data)


def _subject_of(meta: dict[str, Any]) -> x509.Name:
    subject_dn = meta.get("subject_dn")
    if subject_dn is None or subject_dn == "":
        return x509.Name([])
    return pki_csr.parse_subject_dn(subject_dn)


def _string_list(meta: dict[str, Any], field: str) -> list[str]:
    values = meta.get(field) or []
    if not isinstance(values, list) or not all(
            isinstance(v, str) for v in values):
        raise exception.InvalidMetadata(
            reason="Invalid %s: a list of strings is expected" % field)
    return values


def _san_of(meta: dict[str, Any]) -> x509.SubjectAlternativeName | None:
    names: list[x509.GeneralName] = []
    for dns_name in _string_list(meta, "dns_names"):
        if not _is_dns_name(dns_name):
            raise exception.InvalidMetadata(
                reason="Invalid dns_names: %s" % dns_name)
        names.append(x509.DNSName(dns_name.lower()))
    for address in _string_list(meta, "ip_addresses"):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(address)))
        except ValueError as err:
            raise exception.InvalidMetadata(
                reason="Invalid ip_addresses: %s" % address) from err
    return x509.SubjectAlternativeName(names) if names else None


def _is_dns_name(name: str) -> bool:
    """Tell whether a name is an ASCII host name, ``*.`` allowed first."""
    if name.startswith("*."):
        name = name[2:]
    labels = name.split(".")
    return len(name) <= 253 and all(
        _DNS_LABEL.match(label) for label in labels)


def _key_spec_of(meta: dict[str, Any]) -> tuple[str, int]:
    algorithm = meta.get("key_algorithm", "ec")
    if not isinstance(algorithm, str) or algorithm not in _DEFAULT_KEY_SIZES:
        raise exception.InvalidMetadata(
            reason="Invalid key_algorithm: %s" % algorithm)
    size = meta.get("key_size", _DEFAULT_KEY_SIZES[algorithm])
    allowed = _EC_CURVES if algorithm == "ec" else _RSA_SIZES
    if (not isinstance(size, int) or isinstance(size, bool)
            or size not in allowed):
        raise exception.InvalidMetadata(
            reason="Invalid key_size: %s" % size)
    return algorithm, size


def _generate_key(meta: dict[str, Any]) -> IssuerKey:
    algorithm, size = _key_spec_of(meta)
    if algorithm == "ec":
        return ec.generate_private_key(_EC_CURVES[size])
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def _profile(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": _PROFILE_DESCRIPTIONS[name],
        "request_types": list(_REQUEST_TYPES),
        "parameters": _parameters_schema(name),
    }


def _parameters_schema(profile: str) -> dict[str, Any]:
    """The JSON Schema of the ``custom`` parameters of one profile."""
    keygen_required = [{"required": [k]} for k in _KEYGEN_FIELDS]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "profile": {"type": "string", "const": profile},
            "request_data": {
                "type": "string", "minLength": 1,
                "description": "A PKCS#10 request to sign: PEM, base64 of "
                               "PEM, or base64 of DER."},
            "subject_dn": {
                "type": "string",
                "description": "RFC 4514 subject of a certificate whose "
                               "key pair the CA generates."},
            "dns_names": {
                "type": "array", "items": {"type": "string",
                                           "format": "hostname"},
                "description": "DNS names for subjectAltName."},
            "ip_addresses": {
                "type": "array",
                "items": {"type": "string", "anyOf": [
                    {"format": "ipv4"}, {"format": "ipv6"}]},
                "description": "IP addresses for subjectAltName."},
            "key_algorithm": {"type": "string", "enum": ["ec", "rsa"],
                              "default": "ec"},
            "key_size": {
                "type": "integer",
                "enum": sorted(list(_EC_CURVES) + list(_RSA_SIZES)),
                "description": "ec: 256 (default), 384 or 521; rsa: "
                               "2048, 3072 (default) or 4096."},
        },
        "oneOf": [
            {"required": ["request_data"],
             "not": {"anyOf": keygen_required + [
                 {"required": [k]} for k in _KEY_FIELDS]}},
            {"anyOf": keygen_required,
             "not": {"required": ["request_data"]}},
        ],
    }


# -- certificates ------------------------------------------------------------

def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(
        microsecond=0)


def _serial_number() -> int:
    """A random serial of exactly 159 bits (RFC 5280 §4.1.2.2: ≤ 20 octets).

    The top bit is set so every serial has the same length.
    """
    return secrets.randbits(_SERIAL_BITS - 1) | (1 << (_SERIAL_BITS - 1))


def _validity(issuer: x509.Certificate, days: int
              ) -> tuple[datetime.datetime, datetime.datetime]:
    now = _now()
    not_before = max(now - _CLOCK_SKEW, issuer.not_valid_before_utc)
    not_after = min(now + datetime.timedelta(days=days),
                    issuer.not_valid_after_utc)
    if not_after <= now:
        raise cm.CertificateGeneralException(
            reason="the local CA certificate has expired",
            detail=issuer.subject.rfc4514_string())
    return not_before, not_after


def _key_usage(public_key: SubjectKey) -> x509.KeyUsage:
    is_rsa = isinstance(public_key, rsa.RSAPublicKey)
    is_ec = isinstance(public_key, ec.EllipticCurvePublicKey)
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False,
        key_encipherment=is_rsa, data_encipherment=False,
        key_agreement=is_ec, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False)


def _requested_san(csr: x509.CertificateSigningRequest
                   ) -> x509.SubjectAlternativeName | None:
    """The subjectAltName of a request checked by ``check_pkcs10``."""
    try:
        return csr.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def _authority_key_id(issuer: x509.Certificate
                      ) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False,
        key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False)


def _generate_ca_key() -> IssuerKey:
    if config.CONF.local_ca.ca_key_type == "rsa":
        return rsa.generate_private_key(
            public_exponent=65537,
            key_size=config.CONF.local_ca.ca_rsa_key_size)
    return ec.generate_private_key(ec.SECP256R1())


def _sign_ca(subject: x509.Name, key: IssuerKey, issuer: _CA | None,
             path_length: int | None, days: int) -> x509.Certificate:
    """A CA certificate for ``key``; self-signed when ``issuer`` is None."""
    public_key = key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    if issuer is None:
        now = _now()
        not_before = now - _CLOCK_SKEW
        not_after = now + datetime.timedelta(days=days)
        issuer_name, signing_key = subject, key
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            ski)
    else:
        not_before, not_after = _validity(issuer.cert, days)
        issuer_name, signing_key = issuer.cert.subject, issuer.key
        aki = _authority_key_id(issuer.cert)
    return (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer_name)
        .public_key(public_key).serial_number(_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True,
                                             path_length=path_length),
                       critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(aki, critical=False)
        .sign(signing_key, hashes.SHA256()))


# -- files -------------------------------------------------------------------

def _base_dir() -> str:
    return os.path.join(config.state_path(), "local_ca")


def _subca_dir(plugin_ca_id: str) -> str:
    """The directory of a sub-CA; the id must be a UUID we made."""
    try:
        canonical = str(uuid.UUID(plugin_ca_id))
    except (TypeError, ValueError) as err:
        raise cm.CertificateGeneralException(
            reason="not a local CA id: %r" % plugin_ca_id) from err
    if canonical != plugin_ca_id:
        raise cm.CertificateGeneralException(
            reason="not a local CA id: %r" % plugin_ca_id)
    return os.path.join(_base_dir(), "subcas", canonical)


def _create_root(path: str) -> None:
    try:
        subject = pki_csr.parse_subject_dn(
            config.CONF.local_ca.ca_subject_dn)
    except exception.Invalid as err:
        raise exception.ConfigurationError(
            reason="[local_ca] ca_subject_dn is not an RFC 4514 name") from err
    key = _generate_ca_key()
    cert = _sign_ca(subject, key, None, path_length=None,
                    days=config.CONF.local_ca.ca_validity_days)
    names = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    name = str(names[0].value) if names else subject.rfc4514_string()
    if _publish_ca(path, key, cert, name, "Root CA of the local CA plugin"):
        LOG.info("CA %(ca)s created: subject %(subj)s, not after "
                 "%(not_after)s, SHA-256 %(fp)s",
                 {"ca": ROOT_CA_ID, "subj": cert.subject.rfc4514_string(),
                  "not_after": cert.not_valid_after_utc.isoformat(),
                  "fp": cert.fingerprint(hashes.SHA256()).hex()})


def _publish_ca(path: str, key: IssuerKey, cert: x509.Certificate,
                name: str, description: str) -> bool:
    """Write a CA directory under a temporary name, then rename it.

    :returns: ``True`` when this call created ``path``; ``False`` when
        another process did first (its files are then the ones to use).
    """
    parent = os.path.dirname(path)
    os.makedirs(parent, mode=0o700, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
    try:
        _write_new(os.path.join(tmp, _KEY_FILE), 0o600, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        _write_new(os.path.join(tmp, _CERT_FILE), 0o644,
                   cert.public_bytes(serialization.Encoding.PEM))
        _write_new(os.path.join(tmp, _INFO_FILE), 0o644, json.dumps(
            {"name": name, "description": description}).encode("utf-8"))
        _fsync_dir(tmp)
        try:
            os.rename(tmp, path)
        except OSError as err:
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            return False
        _fsync_dir(parent)
        return True
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp)


def _write_new(path: str, mode: int, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_ca(path: str, plugin_ca_id: str, parent: _CA | None) -> _CA:
    try:
        with open(os.path.join(path, _KEY_FILE), "rb") as handle:
            key = serialization.load_pem_private_key(handle.read(), None)
        with open(os.path.join(path, _CERT_FILE), "rb") as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        with open(os.path.join(path, _INFO_FILE), encoding="utf-8") as handle:
            info = json.load(handle)
    except (OSError, ValueError, TypeError) as err:
        raise cm.CertificateGeneralException(
            reason="the files of local CA %s are unreadable" % plugin_ca_id,
            detail="%s: %s" % (path, type(err).__name__)) from err
    if (not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey))
            or key.public_key() != cert.public_key()):
        raise cm.CertificateGeneralException(
            reason="the key of local CA %s does not match its certificate"
            % plugin_ca_id, detail=path)
    chain = (cert,) + (parent.chain if parent is not None else ())
    return _CA(plugin_ca_id=plugin_ca_id, name=str(info.get("name", "")),
               description=str(info.get("description", "")), cert=cert,
               key=key, chain=chain)
