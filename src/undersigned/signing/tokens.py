"""Signed, expiring links sent to a signer's address: one salt per purpose."""

from django.core import signing

CONFIRM_SALT = "undersigned.signing.confirm"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 30


def confirmation_token(signature_id: int) -> str:
    return signing.dumps(signature_id, salt=CONFIRM_SALT)


def signature_id_from_confirmation_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
