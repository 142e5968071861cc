"""What a letter says of its sharing: its hashtag, and the sites that may show its sign form
in a frame (docs/sharing.md)."""

import re
import unicodedata
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HASHTAG_MAX_LENGTH = 60
EMBED_ORIGINS_MAX = 20

# Zero-width (non-)joiners are how Persian and many Indic words are spelt.
_JOINERS = {"\u200c", "\u200d"}
# A host as a browser sends it in an Origin, after IDNA: labels of letters, digits and
# hyphens; "*." in front stands for any of its subdomains, as CSP reads it.
_HOST = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def validate_hashtag(value: str) -> None:
    """One word, as the sites a supporter posts to read a hashtag: letters, marks, digits
    and "_", at least one of them a letter (a tag of digits alone is no tag there)."""
    allowed = all(
        character == "_" or character in _JOINERS or unicodedata.category(character)[0] in "LMN"
        for character in value
    )
    has_letter = any(unicodedata.category(character)[0] == "L" for character in value)
    if not (allowed and has_letter) or len(value) > HASHTAG_MAX_LENGTH:
        raise ValidationError(
            _(
                "A hashtag is one word of letters, digits and “_”, without spaces or “#”, "
                "like NoCameras."
            ),
            code="hashtag",
        )


def embed_origin(value: str) -> str:
    """An origin as the organiser typed it ("https://News.example/"), in the form a browser
    and CSP write it ("https://news.example"); a ValidationError if it is not one."""
    typed = value.strip().rstrip("/")
    invalid = ValidationError(
        _(
            "“%(origin)s” is not the address of a site. Write it as https://news.example, "
            "with no path after it."
        ),
        code="origin",
        params={"origin": typed},
    )
    try:
        parts = urlsplit(typed)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise invalid from None
    plain = not (parts.path or parts.query or parts.fragment or parts.username or parts.password)
    if parts.scheme not in ("https", "http") or not plain or not _HOST.fullmatch(host):
        raise invalid
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def validate_embed_origins(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(origin, str) for origin in value):
        raise ValidationError(_("List one site per line."), code="origins")
    if len(value) > EMBED_ORIGINS_MAX:
        raise ValidationError(
            _("List at most %(most)s sites."), code="origins", params={"most": EMBED_ORIGINS_MAX}
        )
    for origin in value:
        if embed_origin(origin) != origin:
            raise ValidationError(
                _("“%(origin)s” is not written as a browser writes a site's address."),
                code="origin",
                params={"origin": origin},
            )
