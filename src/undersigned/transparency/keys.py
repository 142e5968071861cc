"""The instance's Ed25519 keys: made, kept encrypted, rotated, and used to sign heads.

The private key is stored as a Fernet token under a key derived from SECRET_KEY (HKDF
with SHA-256), so a copy of the database alone cannot sign a head; SECRET_KEY_FALLBACKS
still read keys stored under an earlier SECRET_KEY. A key this instance can no longer
read (SECRET_KEY changed without a fallback) signs nothing: `rotate-key` retires it
without reading it, and its public half stays published.
"""

import base64
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from undersigned.audit.log import audit_record

from .formats import HEAD_DOMAIN, Head, key_id_of
from .models import LogFeed, SigningKey

KEY_DERIVATION_INFO = b"undersigned.transparency.signing-key"


class KeyUnreadable(Exception):
    """The current key was stored under a SECRET_KEY this instance no longer has."""


def _fernet() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_derived(secret)) for secret in secrets])


def _derived(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_DERIVATION_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def _raw_private(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _key_new() -> SigningKey:
    private_key = Ed25519PrivateKey.generate()
    public = _raw_public(private_key.public_key())
    return SigningKey(
        key_id=key_id_of(public),
        public_key=public,
        private_key=_fernet().encrypt(_raw_private(private_key)),
    )


def key_current() -> SigningKey:
    """The key that signs new heads; made the first time one is needed."""
    key = SigningKey.objects.filter(current=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = _key_new()
            key.save(force_insert=True)
            return key
    except IntegrityError:  # another appender made it a moment ago
        return SigningKey.objects.get(current=True)


def key_rotate() -> SigningKey:
    """Retire the current key and make the next one, which signs every head from now on.

    The batch number of the log feed moves on first, in the same transaction: a batch
    signed with the old key that has not committed yet then loses its claim and is
    signed again with the new one, so no head is signed after its key's retirement.
    """
    with transaction.atomic():
        LogFeed.objects.update(batches=F("batches") + 1)
        now = timezone.now()
        retired = list(SigningKey.objects.select_for_update().filter(current=True))
        SigningKey.objects.filter(pk__in=[key.pk for key in retired]).update(
            current=None, retired_at=now
        )
        key = _key_new()
        key.created_at = now
        key.save(force_insert=True)
        audit_record(
            action="transparency.key_rotate",
            actor=None,
            target=key,
            organisation_id=None,
            detail={"retired": [old.key_id for old in retired]},
        )
    return key


_private_keys: dict[str, Ed25519PrivateKey] = {}
_private_keys_lock = threading.Lock()


def private_key(key: SigningKey) -> Ed25519PrivateKey:
    """The key's private half, decrypted once per process."""
    with _private_keys_lock:
        found = _private_keys.get(key.key_id)
        if found is None:
            try:
                raw = _fernet().decrypt(bytes(key.private_key))
            except InvalidToken:
                raise KeyUnreadable(
                    f"The log's signing key {key.key_id} was stored under another SECRET_KEY; "
                    "run `undersigned transparency rotate-key` to make a new one."
                ) from None
            found = _private_keys[key.key_id] = Ed25519PrivateKey.from_private_bytes(raw)
        return found


def head_sign(head: Head, key: SigningKey) -> bytes:
    if head.key_id != key.key_id:
        raise ValueError("a head names the key that signs it")
    return private_key(key).sign(head.signed_bytes())


def statement_sign(message: bytes) -> tuple[str, bytes]:
    """Sign something other than a head (a delivery manifest) with the current key: its id
    and the Ed25519 signature. `message` must begin with its own domain line, never with
    the head's, so that no signature can be taken for the other."""
    if message.startswith(HEAD_DOMAIN.encode()):
        raise ValueError("only head_sign signs a head")
    key = key_current()
    return key.key_id, private_key(key).sign(message)


def head_verify(head: Head, signature: bytes, public_key: bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of this head by this raw public key."""
    if key_id_of(public_key) != head.key_id:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, head.signed_bytes())
    except (InvalidSignature, ValueError):
        return False
    return True
