"""The one rule that decides which address of a signer may receive which kind of message.

Every email to a signer asks it, when it is enqueued and again when it is sent, so that a
change meanwhile (a confirmation that forgot the address, a withdrawal) is respected.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import models

from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.email_address import email_key

from .models import Level, Signature
from .unsubscriptions import unsubscribed_keys


class Purpose(models.TextChoices):
    PROOF = "proof", "The confirmation email that proves the address"
    REMINDER = "reminder", "A reminder after a second attempt to sign"
    MANAGE_LINK = "manage_link", "A link to manage the signature, asked for later"
    CONFIRMED_NOTE = "confirmed", "The link to manage a confirmed signature, sent elsewhere"
    UPDATE = "update", "An update from the letter's organisers"
    DATA_REQUEST = "data_request", "A link to everything kept about an address, asked for"


def recipient(signature: Signature, purpose: Purpose, *, asking: str = "") -> str:
    """The address that may receive a message of this kind for this signature, or "".

    `asking` is the address someone typed to ask for their data (DATA_REQUEST): it is the
    address written to, if the signature is theirs by it and the rule allows it.

    A work address, on a letter for listed domains, gets the one email that proves it and
    never another: whoever reads that mailbox (the employer, perhaps) learns no more.
    Once an address proved an affiliation it is no longer kept at all (signature_confirm),
    so only the contact address the signer gave, if any, remains.

    A letter taken down asks nobody to confirm any more, and sends no updates.

    A signature on paper is never written to: nobody proved the address an organiser typed
    in from a sheet. Only its owner's own request for their data reaches it, since they
    typed the address and the link goes to it.
    """
    if signature.level == Level.PAPER and purpose != Purpose.DATA_REQUEST:
        return ""
    at_work = signature.letter.eligibility == Eligibility.DOMAINS
    contact = _contact(signature, at_work=at_work)
    if purpose in (Purpose.PROOF, Purpose.REMINDER) and signature.letter.is_taken_down:
        return ""
    if purpose == Purpose.PROOF:
        return signature.email if signature.level == Level.PENDING else ""
    if purpose == Purpose.REMINDER:
        return "" if at_work else signature.email
    if purpose == Purpose.MANAGE_LINK:
        return contact
    if purpose == Purpose.CONFIRMED_NOTE:
        # With a personal address given, even the link to withdraw stays out of work mail.
        return signature.contact_email if at_work else ""
    if purpose == Purpose.UPDATE:
        return update_addresses(signature.letter, [signature])[signature.pk]
    if purpose == Purpose.DATA_REQUEST:
        return _data_request_address(signature, asking, at_work=at_work)
    raise ValueError(purpose)


def _data_request_address(signature: Signature, asking: str, *, at_work: bool) -> str:
    """The personal address the signer gave may always ask; the address they signed with
    may, unless it is a work address: whoever reads that mailbox (the employer, perhaps)
    must not be able to see, through the link, which letter it signed. Without an asking
    address, the one of these the signature still keeps."""
    if not asking:
        return _contact(signature, at_work=at_work)
    key = email_key(asking)
    if signature.contact_email and email_key(signature.contact_email) == key:
        return asking
    return asking if key == signature.email_key and not at_work else ""


def update_addresses(letter: Letter, signatures: Iterable[Signature]) -> dict[int, str]:
    """The UPDATE rule for several signatures of one letter, by signature id: "" where it
    allows no address. Who unsubscribed is read in one query for all of them. A letter
    taken down writes to nobody: its organisers cannot reach its signers through us."""
    if letter.is_taken_down:
        return {s.pk: "" for s in signatures}
    at_work = letter.eligibility == Eligibility.DOMAINS
    addresses = {s.pk: _update_address(s, _contact(s, at_work=at_work)) for s in signatures}
    keys = {pk: email_key(address) for pk, address in addresses.items() if address}
    unsubscribed = unsubscribed_keys(letter.organisation_id, among=keys.values())
    return {
        pk: address if address and keys[pk] not in unsubscribed else ""
        for pk, address in addresses.items()
    }


def _contact(signature: Signature, *, at_work: bool) -> str:
    """Where the signer asked to be written to later; otherwise the address they signed with."""
    return signature.contact_email or ("" if at_work else signature.email)


def _update_address(signature: Signature, contact: str) -> str:
    """Updates go to counted signatures whose signer consented, never to work mail, and
    never to a signature on paper."""
    on_paper = signature.level == Level.PAPER
    return contact if signature.is_counted and signature.consent_updates and not on_paper else ""


@dataclass(frozen=True)
class Addressee:
    """One address an update may go to, by the signature that gave it and the address's
    keyed hash: the address itself is read again, through the rule, when it is sent."""

    signature_id: int
    address_key: str


def update_addressees(letter: Letter) -> Iterator[Addressee]:
    """The UPDATE rule applied to every signature of a letter at once: each address once
    (someone who signed twice through aliases gets one copy), none that unsubscribed."""
    at_work = letter.eligibility == Eligibility.DOMAINS
    unsubscribed = unsubscribed_keys(letter.organisation_id)
    seen: set[str] = set()
    candidates = Signature.objects.counted().filter(letter=letter, consent_updates=True)
    fields = ("pk", "state", "level", "consent_updates", "email", "contact_email")
    for signature in candidates.only(*fields).order_by("pk").iterator(chunk_size=2000):
        address = _update_address(signature, _contact(signature, at_work=at_work))
        if not address:
            continue
        key = email_key(address)
        if key in unsubscribed or key in seen:
            continue
        seen.add(key)
        yield Addressee(signature.pk, key)
