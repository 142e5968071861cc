"""Markdown written by organisers, rendered to HTML that is safe to show anyone."""

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "blockquote",
    "ul", "ol", "li", "a", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


@cache
def _parser() -> "MarkdownIt":
    # Imported on first use: a process that renders no Markdown (a worker sending
    # confirmations) never loads the parser and the sanitiser.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    return md.enable(["table", "strikethrough"])


def render_markdown(text: str) -> str:
    import nh3

    # h1 belongs to the letter's title; a "# heading" in the body becomes an h2.
    html = _parser().render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",  # written by users: no ranking, no opener
    )
