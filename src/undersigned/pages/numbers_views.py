"""The organisers' page of a letter's numbers: the public's charts, and the breakdowns
only they see, as counts (pages/numbers.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from undersigned.letters.access import letter_for_member
from undersigned.organisations.access import OrganiserRequest
from undersigned.signing.presentation import Audience
from undersigned.signing.public_count import count_line, public_count

from .numbers import letter_numbers, organiser_numbers


@login_required
@never_cache
def letter_numbers_page(request: OrganiserRequest, slug: str) -> HttpResponse:
    """Every member may read it, viewers included (Action.VIEW)."""
    letter, _role = letter_for_member(request, slug)
    count = public_count(letter)
    context = {
        "letter": letter,
        "count": count,
        "count_line": count_line(count),
        "numbers": letter_numbers(count, Audience.ORGANISERS),
        "organiser_numbers": organiser_numbers(count),
    }
    return render(request, "letters/letter_numbers.html", context)
