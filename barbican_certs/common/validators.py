"""Synchronous checks of request bodies, one function per document.

Each check raises a subclass of :class:`exception.Invalid` whose text tells
the client which field is wrong; nothing here touches the database.
"""

import base64
import binascii
import datetime
import os
import re
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
import jsonschema

from barbican_certs.common import config
from barbican_certs.common import exception
from barbican_certs.pki import cmc as pki_cmc
from barbican_certs.pki import csr as pki_csr

SECRET_TYPES = ("symmetric", "public", "private", "passphrase",
                "certificate", "opaque")
TEXT_PLAIN = "text/plain"
OCTET_STREAM = "application/octet-stream"
CONTAINER_SECRET_NAMES = {
    "rsa": {"public_key", "private_key", "private_key_passphrase"},
    "certificate": {"certificate", "private_key", "private_key_passphrase",
                    "intermediates"},
    "generic": None,
}
KEY_ALGORITHMS: dict[str, tuple[int, ...]] = {"aes": (128, 192, 256)}
ASYMMETRIC_ALGORITHMS: dict[str, tuple[int, ...]] = {
    "rsa": (2048, 3072, 4096), "ec": (256, 384, 521)}
NAME_MAX = 255


def _invalid(reason: str) -> exception.Invalid:
    return exception.InvalidObject(reason=reason)


def optional_string(body: dict[str, Any], field: str,
                    max_length: int = NAME_MAX) -> str | None:
    """``body[field]`` if it is a short enough string or absent/None."""
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise _invalid("'%s' must be a string of at most %d characters"
                       % (field, max_length))
    return value


def optional_int(body: dict[str, Any], field: str) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _invalid("'%s' must be a positive integer" % field)
    return value


def expiration(body: dict[str, Any]) -> datetime.datetime | None:
    """The ``expiration`` field as naive UTC; it must lie in the future."""
    value = body.get("expiration")
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid("'expiration' must be an ISO 8601 timestamp")
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z",
                                                               "+00:00"))
    except ValueError as err:
        raise _invalid("'expiration' must be an ISO 8601 timestamp") from err
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    if parsed <= now:
        raise _invalid("'expiration' is before current time")
    return parsed


def decode_payload(payload: Any, content_type: Any,
                   encoding: Any) -> tuple[bytes, str]:
    """The plaintext bytes of a secret payload and its stored type.

    ``text/plain`` payloads are stored as UTF-8; ``application/octet-stream``
    ones must come base64 encoded (Barbican's rules).
    """
    if not isinstance(payload, str) or not payload:
        raise exception.InvalidPayload(
            reason="If 'payload' is specified, it must be a non-empty "
                   "string")
    if not isinstance(content_type, str):
        raise exception.InvalidPayload(
            reason="'payload_content_type' is required with 'payload'")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == TEXT_PLAIN:
        if encoding not in (None, ""):
            raise exception.InvalidPayload(
                reason="'payload_content_encoding' is not allowed for "
                       "text/plain")
        return payload.encode("utf-8"), TEXT_PLAIN
    if media_type == OCTET_STREAM:
        if encoding != "base64":
            raise exception.InvalidPayload(
                reason="'payload_content_encoding' must be base64 for "
                       "application/octet-stream")
        try:
            return base64.b64decode(payload, validate=True), OCTET_STREAM
        except (binascii.Error, ValueError) as err:
            raise exception.InvalidPayload(
                reason="payload is not valid base64") from err
    raise exception.InvalidPayload(
        reason="payload_content_type %s is not supported" % content_type)


def validate_secret(body: dict[str, Any]) -> dict[str, Any]:
    """Check a ``POST /v1/secrets`` body; returns the model fields."""
    secret_type = body.get("secret_type") or "opaque"
    if secret_type not in SECRET_TYPES:
        raise _invalid("'secret_type' must be one of %s"
                       % ", ".join(SECRET_TYPES))
    fields = {
        "name": optional_string(body, "name"),
        "algorithm": optional_string(body, "algorithm"),
        "mode": optional_string(body, "mode"),
        "bit_length": optional_int(body, "bit_length"),
        "expiration": expiration(body),
        "secret_type": secret_type,
    }
    if body.get("payload") is not None:
        fields["payload"], fields["content_type"] = decode_payload(
            body["payload"], body.get("payload_content_type"),
            body.get("payload_content_encoding"))
    elif body.get("payload_content_type") is not None:
        raise exception.InvalidPayload(
            reason="'payload_content_type' given without 'payload'")
    return fields


def validate_container(body: dict[str, Any]) -> dict[str, Any]:
    """Check a ``POST /v1/containers`` body.

    :returns: ``name``, ``type`` and ``secret_refs`` as (name, ref) pairs.
    """
    container_type = body.get("type")
    if container_type not in CONTAINER_SECRET_NAMES:
        raise _invalid("'type' must be one of generic, rsa, certificate")
    refs = body.get("secret_refs", [])
    if not isinstance(refs, list):
        raise _invalid("'secret_refs' must be a list")
    allowed = CONTAINER_SECRET_NAMES[container_type]
    pairs: list[tuple[str, str]] = []
    for item in refs:
        if (not isinstance(item, dict)
                or not isinstance(item.get("secret_ref"), str)):
            raise _invalid("each of 'secret_refs' needs a 'secret_ref'")
        name = item.get("name") or ""
        if not isinstance(name, str) or len(name) > NAME_MAX:
            raise _invalid("secret names must be strings")
        if allowed is not None and name not in allowed:
            raise _invalid("a %s container holds only %s"
                           % (container_type, ", ".join(sorted(allowed))))
        if name in (n for n, _ref in pairs):
            raise _invalid("duplicate secret name '%s'" % name)
        pairs.append((name, item["secret_ref"]))
    return {"name": optional_string(body, "name"), "type": container_type,
            "secret_refs": pairs}


def _check_meta_common(meta: dict[str, Any]) -> None:
    optional_string(meta, "name")
    optional_string(meta, "mode")
    expiration(meta)
    content_type = meta.get("payload_content_type")
    if content_type not in (None, OCTET_STREAM):
        raise exception.InvalidMetadata(
            reason="Invalid payload_content_type: %s" % content_type)


def _check_algorithm(meta: dict[str, Any],
                     table: dict[str, tuple[int, ...]]) -> None:
    algorithm = meta.get("algorithm")
    if not algorithm:
        raise exception.MissingMetadataField(field="algorithm")
    if not isinstance(algorithm, str) or algorithm.lower() not in table:
        raise exception.InvalidMetadata(
            reason="Invalid algorithm: %s" % algorithm)
    if "bit_length" not in meta or meta["bit_length"] is None:
        raise exception.MissingMetadataField(field="bit_length")
    bit_length = meta["bit_length"]
    if (isinstance(bit_length, bool) or not isinstance(bit_length, int)
            or bit_length not in table[algorithm.lower()]):
        raise exception.InvalidMetadata(
            reason="Invalid bit_length: %s (%s takes %s)" % (
                bit_length, algorithm,
                ", ".join(map(str, table[algorithm.lower()]))))


def validate_key_meta(meta: dict[str, Any]) -> None:
    """Check the meta of a ``key`` order (SPEC section 3.2)."""
    _check_meta_common(meta)
    _check_algorithm(meta, KEY_ALGORITHMS)


def validate_asymmetric_meta(meta: dict[str, Any]) -> None:
    """Check the meta of an ``asymmetric`` order (SPEC section 3.2)."""
    _check_meta_common(meta)
    _check_algorithm(meta, ASYMMETRIC_ALGORITHMS)
    optional_string(meta, "pass_phrase", max_length=1024)


# -- certificate orders (SPEC section 3.3) -----------------------------------

REQUEST_TYPES = ("simple-cmc", "full-cmc", "stored-key", "custom")
REQUESTOR_FIELDS = ("requestor_name", "requestor_email", "requestor_phone")
STORED_KEY_REFS = ("container_ref", "source_container_ref",
                   "public_key_ref")
# RFC 5322 addr-spec, dot-atom form (section 3.4.1), which is what mail
# systems accept in practice; quoted local parts are refused.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_RE = re.compile(r"^%s(\.%s)*@%s(\.%s)+$" % (_ATEXT, _ATEXT, _ATEXT,
                                                  _ATEXT))


def request_type_of(meta: dict[str, Any]) -> str:
    """The order's request type, ``custom`` when absent."""
    request_type = meta.get("request_type") or "custom"
    if request_type not in REQUEST_TYPES:
        raise exception.InvalidCertificateRequestType()
    return request_type


def validate_requestor_fields(meta: dict[str, Any]) -> None:
    """The optional requestor fields of a certificate order."""
    for field in REQUESTOR_FIELDS:
        if field not in meta or meta[field] is None:
            continue
        value = meta[field]
        if (not isinstance(value, str) or len(value) > NAME_MAX
                or (field == "requestor_email"
                    and not EMAIL_RE.match(value))):
            raise exception.InvalidMetadata(
                reason="Invalid %s: %s" % (field, value))


def required_field(meta: dict[str, Any], field: str) -> Any:
    value = meta.get(field)
    if value is None or value == "":
        raise exception.MissingMetadataField(field=field)
    return value


def stored_key_ref(meta: dict[str, Any]) -> tuple[str, str]:
    """Which reference names the key pair, and its value."""
    for field in STORED_KEY_REFS:
        if meta.get(field):
            value = meta[field]
            if not isinstance(value, str):
                raise exception.InvalidReference(
                    reason="Order creation issue seen - Invalid container: "
                           "Bad Container Reference %s." % value)
            return field, value
    raise exception.MissingMetadataField(field="container_ref")


def validate_certificate_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Every check of a certificate order that needs no stored data.

    :returns: what the core keeps about the request (``request_type``, a
        fingerprint of the request for the logs, the full CMC controls).
    :raises exception.Invalid: with the texts of SPEC section 3.3.
    """
    request_type = request_type_of(meta)
    if "payload" in meta:
        raise exception.UnsupportedField(
            reason="'payload' not allowed for certificate type order")
    validate_requestor_fields(meta)
    optional_string(meta, "name")
    if meta.get("profile") and not meta.get("ca_id"):
        raise exception.MissingMetadataField(field="ca_id")
    for field in ("ca_id", "profile"):
        if meta.get(field) is not None and not isinstance(meta[field], str):
            raise _invalid("'%s' must be a string" % field)

    core: dict[str, Any] = {"request_type": request_type}
    if request_type == "simple-cmc":
        csr = pki_csr.load_pkcs10(required_field(meta, "request_data"))
        core["request_fingerprint"] = pki_csr.fingerprint(
            csr.public_bytes(serialization.Encoding.DER))
    elif request_type == "full-cmc":
        data = required_field(meta, "request_data")
        der = pki_csr.decode_request_data(data)
        request = pki_cmc.parse_full_pki_request(
            der, trusted_ra_certificates())
        core["request_fingerprint"] = pki_csr.fingerprint(der)
        if request.transaction_id is not None:
            core["cmc_transaction_id"] = request.transaction_id
    elif request_type == "stored-key":
        stored_key_ref(meta)
        subject_dn = required_field(meta, "subject_dn")
        if not isinstance(subject_dn, str):
            raise exception.InvalidSubjectDN(dn=subject_dn)
        pki_csr.parse_subject_dn(subject_dn)
        if meta.get("extensions"):
            if not isinstance(meta["extensions"], str):
                raise exception.InvalidExtensionsData()
            pki_csr.parse_extensions(meta["extensions"])
    return core


_ra_cache: dict[str, Any] = {}


def trusted_ra_certificates() -> list[x509.Certificate]:
    """The ``[cmc] trusted_ra_certificates`` bundle, re-read on change."""
    path = config.CONF.cmc.trusted_ra_certificates
    if not path:
        return []
    try:
        mtime = os.stat(path).st_mtime
        if _ra_cache.get("key") != (path, mtime):
            with open(path, "rb") as f:
                certificates = x509.load_pem_x509_certificates(f.read())
            _ra_cache.update(key=(path, mtime), certificates=certificates)
    except (OSError, ValueError) as err:
        raise exception.ConfigurationError(
            reason="[cmc] trusted_ra_certificates %s cannot be read" % path
        ) from err
    return list(_ra_cache["certificates"])


def validate_custom_parameters(meta: dict[str, Any],
                               profiles: list[dict[str, Any]]) -> None:
    """Check ``custom`` meta against the CA's published profiles.

    SPEC section 3.6: each profile carries a JSON Schema of its ``custom``
    parameters.  A ``profile`` in the meta picks one; without it, the
    parameters must fit at least one.  Keys every certificate order may
    carry (request type, name, requestor fields, CA) are not parameters.

    :raises exception.InvalidMetadata: naming the first problem found.
    """
    schemas = [(p["name"], p.get("parameters")) for p in profiles
               if p.get("parameters")]
    if not schemas:
        return
    common = {"request_type", "name", "ca_id", *REQUESTOR_FIELDS}
    parameters = {k: v for k, v in meta.items() if k not in common}
    wanted = meta.get("profile")
    if wanted is not None:
        schemas = [(name, schema) for name, schema in schemas
                   if name == wanted]
        if not schemas:
            raise exception.InvalidMetadata(
                reason="Invalid profile: %s" % wanted)
    problems = []
    for _name, schema in schemas:
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.FormatChecker())
        error = jsonschema.exceptions.best_match(
            validator.iter_errors(parameters))
        if error is None:
            return
        problems.append(error)
    where = ".".join(str(p) for p in problems[0].absolute_path)
    subject = "%s does" % where if where else "they do"
    raise exception.InvalidMetadata(
        reason="Invalid custom parameters: %s not fit the CA's schema "
               "(%s)" % (subject, problems[0].validator))
