"""Each role is refused exactly the actions PERMISSIONS denies it: a row per action, one
request that performs it, and the expectation read from the table, so a change of the
table changes what is tested. A member refused gets a 403 and nothing changes."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.organisations.access import PERMISSIONS, Action
from undersigned.organisations.models import Membership, Organisation, Role


def _post_delivery(letter: Letter) -> tuple[str, str, dict[str, Any]]:
    # An empty form: allowed members get the form back with its errors (400), never a 403.
    return "post", reverse("delivery_new", args=[letter.slug]), {}


# Each action, as one request: (method, URL, data).
REQUESTS = {
    Action.VIEW: lambda letter: ("get", reverse("letter_preview", args=[letter.slug]), {}),
    Action.EDIT: lambda letter: ("get", reverse("letter_edit", args=[letter.slug]), {}),
    Action.SEND_UPDATE: lambda letter: ("get", reverse("update_new", args=[letter.slug]), {}),
    Action.RECORD_RESPONSE: lambda letter: (
        "get",
        reverse("response_new", args=[letter.slug]),
        {},
    ),
    Action.DELIVER: _post_delivery,
    Action.EXPORT: lambda letter: (
        "get",
        reverse("letter_signatures_csv", args=[letter.slug]),
        {},
    ),
    Action.MANAGE: lambda letter: (
        "get",
        reverse("organisation_settings", args=[letter.organisation.slug]),
        {},
    ),
    Action.MODERATE: lambda letter: ("get", reverse("letter_moderation", args=[letter.slug]), {}),
    Action.READ_AUDIT: lambda letter: (
        "get",
        reverse("organisation_audit", args=[letter.organisation.slug]),
        {},
    ),
}


def test_every_action_has_a_request() -> None:
    assert set(REQUESTS) == set(PERMISSIONS)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(REQUESTS), ids=lambda action: action.name)
def test_a_role_is_refused_what_the_table_denies_it(
    petition: Letter, organisation: Organisation, role: Role, action: Action
) -> None:
    member = User.objects.create_user(f"{role}@campaign.example")
    Membership.objects.create(organisation=organisation, user=member, role=role)
    client = Client()
    client.force_login(member)
    method, url, data = REQUESTS[action](petition)
    before = Letter.objects.values().get(pk=petition.pk)

    response = getattr(client, method)(url, data)

    if role in PERMISSIONS[action]:
        assert response.status_code != 403, response.content[:300]
        assert response.status_code < 500
    else:
        assert response.status_code == 403
        assert Letter.objects.values().get(pk=petition.pk) == before
