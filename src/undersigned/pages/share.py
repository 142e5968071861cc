"""How a letter is shared (docs/sharing.md): the share panel of its page (plain links with
its hashtag, and the code that puts its sign form on another site), the tags that make a
card of it where its address is posted (OpenGraph, Twitter), and the card's image.

The image shows what the page shows (the count through the letter's steps) and is drawn
once for each thing it shows: it is kept under a digest of its words, which a new count
changes, so the next request after the count moved draws it again, and until then every
request gets the same bytes, or a 304 for the ETag it holds.
"""

import hashlib
from dataclasses import astuple, dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.html import escape, strip_tags
from django.utils.http import parse_etags
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from undersigned.letters.access import public_letter
from undersigned.letters.models import Letter, LetterTranslation
from undersigned.lib.caching import cacheable
from undersigned.lib.numbers import grouped
from undersigned.lib.share_links import ShareLink, share_links
from undersigned.signing.public_count import PublicCount, count_line, public_count

from .share_image import ShareCard, share_image_draw

# What changes every image at once when the drawing changes (pages/share_image.py).
IMAGE_VERSION = 1
# How long a browser or a CDN keeps the image; the page's og:image names the count it
# shows, so a site that keeps images by address fetches a new one as the count moves.
IMAGE_SECONDS = 60
# How long the cache keeps the image of a letter in one language, unasked for.
IMAGE_CACHE_SECONDS = 24 * 60 * 60
# The height of the frame the plain <iframe> snippet asks for: the form of a letter asking
# for a few fields, in a column of a news article.
FRAME_HEIGHT = 900
DESCRIPTION_CHARS = 200


def letter_share_links(letter: Letter, text: Letter | LetterTranslation) -> list[ShareLink]:
    """The plain share links (lib/share_links.py), with the letter's hashtag."""
    url = settings.BASE_URL + letter.get_absolute_url()
    return share_links(url=url, title=text.title, hashtag=letter.hashtag)


@dataclass(frozen=True)
class EmbedCode:
    """What a site pastes into its page to show the letter's sign form."""

    iframe: str
    script: str


def embed_code(letter: Letter, title: str) -> EmbedCode:
    """The snippets of the share panel, in the language of the page that shows them: text
    to copy, escaped where the page shows it. The script's address has no hash in its name,
    so a snippet pasted once goes on working."""
    url = escape(settings.BASE_URL + reverse("letter_embed", args=[letter.slug]))
    named = escape(_("Sign: %(title)s") % {"title": title})
    page = escape(settings.BASE_URL + letter.get_absolute_url())
    script = escape(urljoin(settings.BASE_URL + "/", settings.STATIC_URL + "js/embed.js"))
    return EmbedCode(
        iframe=f'<iframe src="{url}" title="{named}" width="100%" height="{FRAME_HEIGHT}"'
        ' loading="lazy" style="border:0;max-width:40rem"></iframe>',
        script=f'<div data-undersigned-embed="{url}"><a href="{page}">{named}</a></div>\n'
        f'<script src="{script}" async></script>',
    )


@dataclass(frozen=True)
class Share:
    """What the letter page says for sharing it: its panel and its card's tags."""

    url: str
    links: list[ShareLink]
    hashtag: str
    embed: EmbedCode
    limited_to: list[str]  # the sites that may embed its form; empty for any
    description: str
    image_url: str
    image_alt: str


def letter_share(letter: Letter, text: Letter | LetterTranslation, count: PublicCount) -> Share:
    card = share_card(letter, text, count)
    image = reverse("letter_share_image", args=[letter.slug])
    return Share(
        url=settings.BASE_URL + letter.get_absolute_url(),
        links=letter_share_links(letter, text),
        hashtag=letter.hashtag,
        embed=embed_code(letter, text.title),
        limited_to=letter.embed_origins,
        description=_description(text),
        # The count in the address: sites that keep a card's image by its address fetch
        # the new one once the page shows a new count. The view reads no query.
        image_url=f"{settings.BASE_URL}{image}?count={count.shown_total}",
        # Translators: the text of the letter's card image, for those who cannot see it.
        image_alt=_("%(title)s. %(count)s. %(organisation)s.")
        % {"title": card.title, "count": card.count_line, "organisation": card.organisation_line},
    )


def _description(text: Letter | LetterTranslation) -> str:
    words = " ".join(strip_tags(text.body_html).split())
    return Truncator(words).chars(DESCRIPTION_CHARS)


def share_card(letter: Letter, text: Letter | LetterTranslation, count: PublicCount) -> ShareCard:
    goal = letter.goal
    goal_line = (
        ngettext("Goal: %(goal)s signature", "Goal: %(goal)s signatures", goal)
        % {"goal": grouped(goal)}
        if goal
        else ""
    )
    return ShareCard(
        organisation_line=_("A letter from %(name)s") % {"name": letter.organisation.name},
        title=text.title,
        count_line=" · ".join(str(piece) for piece in count_line(count)),
        goal_line=goal_line,
        progress=count.progress,
        site_line=f"{pgettext('brand name', 'undersigned')} · {urlsplit(settings.BASE_URL).netloc}",
    )


def card_digest(card: ShareCard) -> str:
    material = "\x1f".join(map(str, (IMAGE_VERSION, *astuple(card))))
    return hashlib.blake2b(material.encode(), digest_size=12).hexdigest()


def share_image_png(letter: Letter, card: ShareCard, digest: str) -> bytes:
    """The card's image, drawn once for its digest; one kept per letter and language."""
    key = f"share-image:{letter.pk}:{get_language()}"
    kept = cache.get(key)
    if kept is not None and kept[0] == digest:
        return bytes(kept[1])
    png = share_image_draw(card)
    cache.set(key, (digest, png), timeout=IMAGE_CACHE_SECONDS)
    return png


def letter_share_image(request: HttpRequest, slug: str) -> HttpResponse:
    letter = public_letter(slug)
    text = letter.text_in(get_language())
    card = share_card(letter, text, public_count(letter))
    digest = card_digest(card)
    etag = f'"{digest}"'
    response: HttpResponse
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(share_image_png(letter, card, digest), content_type="image/png")
    response["ETag"] = etag
    return cacheable(response, IMAGE_SECONDS)
