"""Organisers' second factors: an authenticator app (TOTP) or a passkey (WebAuthn).

Recovery codes are not one: allauth makes them only beside a factor, as the way back in.
"""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.utils.html import escape
from django.utils.translation import gettext as _

from .models import User

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user: User) -> bool:
    return is_mfa_enabled(user, types=SECOND_FACTORS)


class FactorsAdapter(DefaultMFAAdapter):
    """allauth's MFA, with the QR code drawn into the page itself: an inline SVG needs no
    `data:` image for the Content-Security-Policy to allow, and no service elsewhere."""

    def build_totp_svg(self, url: str) -> str:
        svg = super().build_totp_svg(url)
        svg = svg[svg.index("<svg") :]  # without the XML declaration, which HTML does not take
        label = escape(_("QR code for your authenticator app"))
        return svg.replace("<svg ", f'<svg class="qr" role="img" aria-label="{label}" ', 1)
