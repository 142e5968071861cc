"""Links that share a page through other sites without loading anything from them: each is
an ordinary address, and the site behind it hears of the visitor only if they follow it."""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ShareLink:
    name: str
    href: str

    @property
    def opens_a_site(self) -> bool:
        """Whether following it leaves for another site (a new tab), unlike a mail app."""
        return self.href.startswith("https://")


def _query(**params: str) -> str:
    # %20, not "+": mail apps read "+" in a mailto: link literally.
    return urlencode(params, quote_via=quote)


def share_links(*, url: str, title: str, hashtag: str = "") -> list[ShareLink]:
    """The links, with `hashtag` (without "#") where a site reads one: as X's and
    Facebook's own parameter, and after the title in the others' text; never in an
    email's subject."""
    tag = f" #{hashtag}" if hashtag else ""
    text = f"{title}{tag} {url}"
    body = _("You may want to add your name to this letter:") + f"\n\n{title}\n{url}\n{tag.strip()}"
    x = {"text": title, "url": url} | ({"hashtags": hashtag} if hashtag else {})
    facebook = {"u": url} | ({"hashtag": f"#{hashtag}"} if hashtag else {})
    return [
        ShareLink(_("Email"), "mailto:?" + _query(subject=title, body=body)),
        # Mastodon has no one address to share to: Share₂Fedi asks for the reader's server.
        ShareLink("Mastodon", "https://s2f.kytta.dev/?" + _query(text=text)),
        ShareLink("Bluesky", "https://bsky.app/intent/compose?" + _query(text=text)),
        ShareLink("WhatsApp", "https://wa.me/?" + _query(text=text)),
        ShareLink("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + _query(url=url)),
        ShareLink("X", "https://x.com/intent/post?" + _query(**x)),
        ShareLink("Facebook", "https://www.facebook.com/sharer/sharer.php?" + _query(**facebook)),
    ]
