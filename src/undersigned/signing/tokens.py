"""Signed, expiring links sent to a signer's address: one salt per purpose."""

from django.core import signing

CONFIRM_SALT = "undersigned.signing.confirm"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 30
MANAGE_SALT = "undersigned.signing.manage"
# The confirmation email is the only one a work address ever gets, so its link to the
# manage page has to last; a link asked for later need only last the day.
MANAGE_MAX_AGE = {"c": 60 * 60 * 24 * 365, "r": 60 * 60 * 24}


def confirmation_token(signature_id: int) -> str:
    return signing.dumps(signature_id, salt=CONFIRM_SALT)


def signature_id_from_confirmation_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def manage_token(signature_id: int, *, requested: bool) -> str:
    return signing.dumps([signature_id, "r" if requested else "c"], salt=MANAGE_SALT)


def signature_id_from_manage_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=MANAGE_SALT)
        signature_id, kind = value
        signing.loads(token, salt=MANAGE_SALT, max_age=MANAGE_MAX_AGE[kind])
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None
    return signature_id if isinstance(signature_id, int) else None


UNSUBSCRIBE_SALT = "undersigned.signing.unsubscribe"


def unsubscribe_token(organisation_id: int, address_key: str) -> str:
    """The link in every update: it never expires, so a year-old email's link still works."""
    return signing.dumps([organisation_id, address_key], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscription_from_token(token: str) -> tuple[int, str] | None:
    try:
        organisation_id, address_key = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(organisation_id, int) or not isinstance(address_key, str):
        return None
    return organisation_id, address_key


DATA_REQUEST_SALT = "undersigned.signing.data_request"


def data_request_token(address_key: str, signature_ids: list[int]) -> str:
    """The link to everything kept about one address: its keyed hash and the signatures the
    rule let this address see when it asked, never the address itself."""
    return signing.dumps(
        [address_key, sorted(signature_ids)], salt=DATA_REQUEST_SALT, compress=True
    )


def data_request_from_token(token: str, *, max_age: int) -> tuple[str, list[int]] | None:
    try:
        address_key, signature_ids = signing.loads(token, salt=DATA_REQUEST_SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(address_key, str) or not isinstance(signature_ids, list):
        return None
    if not all(isinstance(pk, int) for pk in signature_ids):
        return None
    return address_key, signature_ids
