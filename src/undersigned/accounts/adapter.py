"""allauth's account adapter, told where a request comes from as the rest of the site is.

allauth's own guess reads X-Forwarded-For only when told how many proxies to trust, in a
setting of its own; its sign-in limits (ACCOUNT_RATE_LIMITS) then counted every organiser
behind one proxy as one address. They count the address lib/client_ip.py finds instead,
from the same CLIENT_IP_HEADER and TRUSTED_PROXY_HOPS as the sign form's limits.

Where ORGANISER_SIGNUP is off, only a visitor who opened an owner's invitation link may sign
up: the invitation page leaves its mark in the session (INVITATION_SESSION_KEY), which one
sign-up uses up. The mark is read here without looking the invitation up, since accounts
sits below organisations; the page sets it only for an invitation that may be accepted.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.forms import BaseForm
from django.http import HttpRequest

from undersigned.lib.client_ip import client_ip

# The invitation page (organisations.views.invitation) sets it to the invitation's hash.
INVITATION_SESSION_KEY = "invitation"
# ...and this to its own address, where the first sign-in after it goes: a visitor who
# signed up from the link, confirmed their address and signed in lands back on it.
INVITATION_NEXT_KEY = "invitation_next"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request) or super().get_client_ip(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        waiting = request.session.pop(INVITATION_NEXT_KEY, "")
        if isinstance(waiting, str) and waiting.startswith("/invitations/"):
            return waiting
        return str(super().get_login_redirect_url(request))

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return settings.ORGANISER_SIGNUP or bool(request.session.get(INVITATION_SESSION_KEY))

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        saved = super().save_user(request, user, form, commit)
        request.session.pop(INVITATION_SESSION_KEY, None)
        return saved
