from django.db.models import QuerySet
from django.utils.text import slugify


def free_slug(taken: QuerySet, text: str, *, fallback: str, max_length: int = 70) -> str:
    """An unused slug made from text: "drop-the-contract", then "drop-the-contract-2".

    `taken` is the queryset whose `slug` values are already used.
    """
    base = slugify(text)[:max_length].strip("-") or fallback
    slug, n = base, 1
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
