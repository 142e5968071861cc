"""Email addresses in the form used to tell whether two of them reach the same person."""

import contextlib
import re

from django.utils.crypto import salted_hmac

# Providers that deliver "j.doe@" and "jdoe@" to the same mailbox.
DOTS_IGNORED = {"gmail.com", "googlemail.com"}
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}


def canonical_email(address: str) -> str:
    """Fold case, drop a "+tag", and apply the provider's own aliasing where we know it.

    Almost every large provider delivers "name+anything@" to "name@", so the tag is
    dropped everywhere: the cost of a rare false match is one person unable to sign
    twice from two tagged aliases, which is what we want anyway.
    """
    local, _, domain = address.strip().rpartition("@")
    local = _unquoted(local)
    domain = canonical_domain(domain)
    domain = DOMAIN_ALIASES.get(domain, domain)
    local = local.lower().split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def canonical_domain(domain: str) -> str:
    """A domain in the form addresses are compared in: lower case, ASCII, no trailing dot.

    A domain IDNA cannot encode is left as given, for a validator to say what is wrong.
    """
    # Spaces and trailing dots peel off in any order: "example.org. " and "0\r." alike.
    domain = domain.lower()
    while domain != (peeled := domain.strip().rstrip(".")):
        domain = peeled
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return domain


def _unquoted(local: str) -> str:
    """'"suzie"@' is 'suzie@' written in quotes (RFC 5321, 4.1.2): compare the content."""
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        return re.sub(r"\\(.)", r"\1", local[1:-1])
    return local


def email_domain(address: str) -> str:
    return canonical_email(address).rpartition("@")[2]


# Which rules canonical_email() follows; every stored key records the version that made it.
# A change to the rules that could make two keys of one mailbox differ bumps it, and must
# come with a way to compare the keys already stored (they cannot be recomputed: a proven
# address is no longer kept), so that nobody can sign twice across the change.
CANONICAL_RULES = 1


def email_key(address: str) -> str:
    """A keyed hash of the address's canonical form (by the CANONICAL_RULES in force):
    equal for one mailbox, and useless to anyone without the server's secret, who could
    otherwise hash a list of addresses."""
    return salted_hmac(
        "undersigned.email_key", canonical_email(address), algorithm="sha256"
    ).hexdigest()


# RFC 5321 4.5.3.1.1: a local part is at most 64 octets.
MAX_LOCAL_PART = 64


def is_public_mailbox(address: str) -> bool:
    """Whether an address could be a mailbox on the public internet: a local part of at most
    64 octets at a domain name with a dot in it, not an address literal ("a@[127.0.0.1]")
    and not a name only this machine or its network resolves ("a@localhost")."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or len(local.encode()) > MAX_LOCAL_PART:
        return False
    domain = canonical_domain(domain)
    if domain.startswith("[") or "." not in domain:
        return False
    labels = domain.split(".")
    if labels[-1] in LOCAL_ONLY_TLDS or labels[-1].isdigit():
        return False
    return all(labels)


# Names only a machine or its own network resolves (RFC 6761, RFC 6762, and the common
# private ones). The reserved documentation names (.example, .test) are not refused: the
# demo and the tests write to them, and no relay delivers there anyway.
LOCAL_ONLY_TLDS = {"localhost", "local", "localdomain", "internal", "lan", "home"}
