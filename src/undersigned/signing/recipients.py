"""The one rule that decides which address of a signer may receive which kind of message.

Every email to a signer asks it, when it is enqueued and again when it is sent, so that a
change meanwhile (a confirmation that forgot the address, a withdrawal) is respected.
"""

from django.db import models

from undersigned.letters.models import Eligibility

from .models import Level, Signature


class Purpose(models.TextChoices):
    PROOF = "proof", "The confirmation email that proves the address"
    REMINDER = "reminder", "A reminder after a second attempt to sign"
    MANAGE_LINK = "manage_link", "A link to manage the signature, asked for later"
    CONFIRMED_NOTE = "confirmed", "The link to manage a confirmed signature, sent elsewhere"
    UPDATE = "update", "An update from the letter's organisers"


def recipient(signature: Signature, purpose: Purpose) -> str:
    """The address that may receive a message of this kind for this signature, or "".

    A work address, on a letter for listed domains, gets the one email that proves it and
    never another: whoever reads that mailbox (the employer, perhaps) learns no more.
    Once an address proved an affiliation it is no longer kept at all (signature_confirm),
    so only the contact address the signer gave, if any, remains.
    """
    at_work = signature.letter.eligibility == Eligibility.DOMAINS
    # Where the signer asked to be written to later; otherwise the address they signed with.
    contact = signature.contact_email or ("" if at_work else signature.email)
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
        return contact if signature.is_counted and signature.consent_updates else ""
    raise ValueError(purpose)
