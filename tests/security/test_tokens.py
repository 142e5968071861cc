"""Every signed link is good for one purpose only, for as long as it should be, and not
one character of it can change.

The links are signed with SECRET_KEY (django.core.signing), one salt per purpose:
a confirmation link (30 days), a manage link (a year in the confirmation email, a day when
asked for later), an unsubscribe link (never expires: a year-old update must still
unsubscribe its reader in one click) and the link to everything kept about an address
(DATA_REQUEST_MAX_AGE). The sign form's hidden stamp has a salt of its own too. Old
tokens are made with a real TimestampSigner whose clock is set back, and checked by the
real loaders against the real time.
"""

import string
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from hypothesis import given
from hypothesis import strategies as st

from undersigned.signing import abuse, tokens

SIGNATURE_IDS = st.integers(min_value=1, max_value=2**63 - 1)
ADDRESS_KEYS = st.text(alphabet=string.hexdigits.lower(), min_size=1, max_size=64)
DAY = 24 * 60 * 60
DATA_REQUEST_MAX_AGE = settings.DATA_REQUEST_MAX_AGE

# Each purpose: how its token is made from a value, how it is read back, and the value
# the reader gives for it.
Maker = Callable[[Any], str]
Loader = Callable[[str], Any]
PURPOSES: dict[str, tuple[Maker, Loader]] = {
    "confirm": (tokens.confirmation_token, tokens.signature_id_from_confirmation_token),
    "manage (confirmation email)": (
        lambda pk: tokens.manage_token(pk, requested=False),
        tokens.signature_id_from_manage_token,
    ),
    "manage (asked for)": (
        lambda pk: tokens.manage_token(pk, requested=True),
        tokens.signature_id_from_manage_token,
    ),
    "unsubscribe": (
        lambda value: tokens.unsubscribe_token(*value),
        tokens.unsubscription_from_token,
    ),
    "data-request": (
        lambda value: tokens.data_request_token(*value),
        lambda token: tokens.data_request_from_token(token, max_age=DATA_REQUEST_MAX_AGE),
    ),
}
LOADERS = {
    "confirm": tokens.signature_id_from_confirmation_token,
    "manage": tokens.signature_id_from_manage_token,
    "unsubscribe": tokens.unsubscription_from_token,
    "data-request": PURPOSES["data-request"][1],
}
SALTS = {
    "confirm": tokens.CONFIRM_SALT,
    "manage": tokens.MANAGE_SALT,
    "unsubscribe": tokens.UNSUBSCRIBE_SALT,
    "data-request": tokens.DATA_REQUEST_SALT,
}


def loader_name(purpose: str) -> str:
    return purpose.split(" ")[0]


def values_for(purpose: str) -> st.SearchStrategy[Any]:
    if purpose == "unsubscribe":
        return st.tuples(SIGNATURE_IDS, ADDRESS_KEYS)
    if purpose == "data-request":
        ids = st.lists(SIGNATURE_IDS, max_size=20).map(sorted)
        return st.tuples(ADDRESS_KEYS, ids)
    return SIGNATURE_IDS


@st.composite
def purposes_and_values(draw: st.DrawFn) -> tuple[str, Any]:
    purpose = draw(st.sampled_from(sorted(PURPOSES)))
    return purpose, draw(values_for(purpose))


class SignedAt(signing.TimestampSigner):
    """A TimestampSigner whose clock reads `at` (seconds since the epoch)."""

    def __init__(self, at: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.at = at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self.at))


def signed_ago(seconds: float, value: Any, salt: str, *, compress: bool = False) -> str:
    """The token signing.dumps would have made `seconds` ago."""
    signer = SignedAt(time.time() - seconds, salt=salt)
    return signer.sign_object(value, serializer=signing.JSONSerializer, compress=compress)


def test_every_purpose_has_a_salt_of_its_own() -> None:
    salts = {
        f"{module.__name__}.{name}": value
        for module in (tokens, abuse)
        for name, value in vars(module).items()
        if name.endswith("_SALT")
    }
    assert len(salts) >= 5
    assert len(set(salts.values())) == len(salts), salts
    assert "django.core.signing" not in salts.values()  # signing's default, shared by all


@given(purposes_and_values())
def test_a_token_is_read_back_by_its_own_loader(case: tuple[str, Any]) -> None:
    purpose, value = case
    make, load = PURPOSES[purpose]
    assert load(make(value)) == value


@given(purposes_and_values())
def test_a_token_of_one_purpose_is_refused_by_every_other(case: tuple[str, Any]) -> None:
    purpose, value = case
    make, _load = PURPOSES[purpose]
    token = make(value)
    for name, load in LOADERS.items():
        if name != loader_name(purpose):
            assert load(token) is None, (purpose, name)


@given(purposes_and_values(), st.data())
def test_a_token_changed_in_any_one_character_is_refused(case: tuple[str, Any], data: Any) -> None:
    purpose, value = case
    make, load = PURPOSES[purpose]
    token = make(value)
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    alphabet = string.ascii_letters + string.digits + "-_:."
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != token[position]]))
    assert load(token[:position] + replacement + token[position + 1 :]) is None


@given(purposes_and_values(), st.data())
def test_a_token_cut_short_or_lengthened_is_refused(case: tuple[str, Any], data: Any) -> None:
    purpose, value = case
    make, load = PURPOSES[purpose]
    token = make(value)
    cut = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    assert load(token[:cut]) is None
    assert load(token + data.draw(st.sampled_from(["a", "0", ":", "-"]))) is None


@given(purposes_and_values())
def test_a_token_signed_with_another_key_is_refused(case: tuple[str, Any]) -> None:
    purpose, value = case
    make, load = PURPOSES[purpose]
    token = make(value)
    payload, _timestamp_and_signature = token.split(":", 1)
    salt = SALTS[loader_name(purpose)]
    forged = signing.TimestampSigner(key="not the site's key", salt=salt).sign(payload)
    assert load(forged) is None


def test_the_sign_forms_stamp_is_no_token(db: None) -> None:
    stamp = abuse.form_started()
    assert all(load(stamp) is None for load in LOADERS.values())


@given(st.tuples(ADDRESS_KEYS, st.lists(SIGNATURE_IDS, max_size=5).map(sorted)))
def test_a_data_request_link_expires_after_data_request_max_age(value: Any) -> None:
    load = PURPOSES["data-request"][1]
    salt = tokens.DATA_REQUEST_SALT
    assert load(signed_ago(DATA_REQUEST_MAX_AGE - 60, list(value), salt, compress=True)) == value
    assert load(signed_ago(DATA_REQUEST_MAX_AGE + 1, list(value), salt, compress=True)) is None


@given(SIGNATURE_IDS)
def test_a_confirmation_link_expires_after_thirty_days(pk: int) -> None:
    salt = tokens.CONFIRM_SALT
    assert tokens.CONFIRM_MAX_AGE == 30 * DAY
    load = tokens.signature_id_from_confirmation_token
    assert load(signed_ago(tokens.CONFIRM_MAX_AGE - 60, pk, salt)) == pk
    assert load(signed_ago(tokens.CONFIRM_MAX_AGE + 1, pk, salt)) is None


@given(SIGNATURE_IDS)
def test_a_manage_link_asked_for_lasts_a_day(pk: int) -> None:
    load = tokens.signature_id_from_manage_token
    assert load(signed_ago(DAY - 60, [pk, "r"], tokens.MANAGE_SALT)) == pk
    assert load(signed_ago(DAY + 1, [pk, "r"], tokens.MANAGE_SALT)) is None


@given(SIGNATURE_IDS)
def test_the_manage_link_of_the_confirmation_email_lasts_a_year(pk: int) -> None:
    load = tokens.signature_id_from_manage_token
    assert load(signed_ago(365 * DAY - 60, [pk, "c"], tokens.MANAGE_SALT)) == pk
    assert load(signed_ago(365 * DAY + 1, [pk, "c"], tokens.MANAGE_SALT)) is None


@pytest.mark.parametrize("kind", ["x", "", None, 1])
def test_a_manage_token_of_an_unknown_kind_is_refused(kind: Any) -> None:
    assert (
        tokens.signature_id_from_manage_token(signing.dumps([7, kind], salt=tokens.MANAGE_SALT))
        is None
    )


@given(SIGNATURE_IDS, ADDRESS_KEYS)
def test_an_unsubscribe_link_never_expires(organisation_id: int, address_key: str) -> None:
    token = signed_ago(10 * 365 * DAY, [organisation_id, address_key], tokens.UNSUBSCRIBE_SALT)
    assert tokens.unsubscription_from_token(token) == (organisation_id, address_key)


@pytest.mark.parametrize("value", ["7", 7.0, [7], {"id": 7}, None], ids=repr)
def test_a_confirmation_token_of_another_shape_is_refused(value: Any) -> None:
    token = signing.dumps(value, salt=tokens.CONFIRM_SALT)
    assert tokens.signature_id_from_confirmation_token(token) is None
