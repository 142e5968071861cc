"""Numbers as people read them in the page's language: 1,240 in English, 1 240 in Spanish."""

from django.utils.formats import number_format


def grouped(number: int) -> str:
    """`number` with the active language's thousands separator, whatever USE_THOUSAND_SEPARATOR
    says: a count on a page is always grouped."""
    return str(number_format(number, force_grouping=True))
