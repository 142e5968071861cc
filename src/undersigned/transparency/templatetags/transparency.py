"""The link to a signer's receipt, for the signing app's pages and emails to show:

    {% load transparency %}{% receipt_link signature %}   a paragraph with the link
    {% load transparency %}{% receipt_url signature %}    the link alone, absolute

Both show nothing for a letter whose log is not published (public.log_public).
"""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from undersigned.signing.models import Signature

from ..public import log_public
from ..receipts import receipt_path

register = template.Library()


@register.simple_tag
def receipt_link(signature: Signature) -> SafeString | str:
    if not log_public(signature.letter):
        return ""
    context = {"url": receipt_path(signature.pk)}
    # A rendered template is escaped already; the tag hands it on as it is.
    return SafeString(render_to_string("transparency/_receipt_link.html", context))  # nosec B703


@register.simple_tag
def receipt_url(signature: Signature) -> str:
    if not log_public(signature.letter):
        return ""
    return settings.BASE_URL + receipt_path(signature.pk)
