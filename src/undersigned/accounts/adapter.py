"""allauth's account adapter, told where a request comes from as the rest of the site is.

allauth's own guess reads X-Forwarded-For only when told how many proxies to trust, in a
setting of its own; its sign-in limits (ACCOUNT_RATE_LIMITS) then counted every organiser
behind one proxy as one address. They count the address lib/client_ip.py finds instead,
from the same CLIENT_IP_HEADER and TRUSTED_PROXY_HOPS as the sign form's limits.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from undersigned.lib.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request) or super().get_client_ip(request)
