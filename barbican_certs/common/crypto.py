"""Encryption of secret payloads at rest (SPEC section 7).

Each project has its own 256-bit data key; the key is stored wrapped by the
master key.  Payloads and wrapped keys are AES-GCM with a random 96-bit
nonce, stored as ``nonce || ciphertext``; the associated data binds each
ciphertext to its row, so a payload copied to another row fails to decrypt.
"""

import base64
import binascii
import os
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import aead
from oslo_log import log as logging

from barbican_certs.common import config
from barbican_certs.common import exception

LOG = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12

_master_key: bytes | None = None
_master_lock = threading.Lock()


class DecryptionFailed(exception.BarbicanCertsException):
    message = "Stored data could not be decrypted."


def _read_or_create_key_file(path: str) -> bytes:
    """Read the master key file, creating it (mode 0600) when missing.

    Two processes starting at once agree on one key: the file is created
    with ``O_EXCL`` and the loser reads the winner's key.
    """
    path = os.path.abspath(os.path.expanduser(path))
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64encode(os.urandom(KEY_BYTES)))
        LOG.info("Created master key file %s", path)
    for _ in range(50):
        with open(path, "rb") as f:
            text = f.read()
        if text:
            break
        threading.Event().wait(0.02)
    return _decode_master_key(text, path)


def _decode_master_key(text: bytes | str, where: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise exception.ConfigurationError(
            reason="master key in %s is not base64" % where) from err
    if len(key) != KEY_BYTES:
        raise exception.ConfigurationError(
            reason="master key in %s must be %d bytes" % (where, KEY_BYTES))
    return key


def master_key() -> bytes:
    """The master key, from ``[crypto] master_kek`` or its file."""
    global _master_key
    with _master_lock:
        if _master_key is None:
            if config.CONF.crypto.master_kek:
                _master_key = _decode_master_key(
                    config.CONF.crypto.master_kek.strip(), "[crypto]")
            else:
                config.state_path()
                _master_key = _read_or_create_key_file(
                    config.CONF.crypto.master_kek_file)
        return _master_key


def reset_master_key() -> None:
    """Forget the cached master key (tests and configuration reloads)."""
    global _master_key
    with _master_lock:
        _master_key = None


def encrypt(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt with AES-GCM; returns ``nonce || ciphertext``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.AESGCM(key).encrypt(nonce, plaintext,
                                            associated_data)


def decrypt(key: bytes, blob: bytes, associated_data: bytes) -> bytes:
    """Reverse :func:`encrypt`.

    :raises DecryptionFailed: wrong key, wrong row or altered data.
    """
    try:
        return aead.AESGCM(key).decrypt(blob[:NONCE_BYTES],
                                        blob[NONCE_BYTES:], associated_data)
    except (InvalidTag, ValueError) as err:
        raise DecryptionFailed() from err


def new_project_key(project_id: str) -> tuple[bytes, bytes]:
    """A fresh project key and its form wrapped by the master key."""
    key = aead.AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    return key, encrypt(master_key(), key, _kek_aad(project_id))


def unwrap_project_key(project_id: str, wrapped: bytes) -> bytes:
    """The project key from its wrapped form."""
    return decrypt(master_key(), wrapped, _kek_aad(project_id))


def _kek_aad(project_id: str) -> bytes:
    return b"barbican-certs project key " + project_id.encode()
