"""An organiser who belongs to no organisation is told what to do, and what is true."""

from django.test import Client

from undersigned.accounts.models import User
from undersigned.organisations.models import Membership, Organisation, Role


def test_it_tells_a_new_organiser_to_create_an_organisation_or_ask_for_an_invitation(
    organiser: User,
) -> None:
    client = Client()
    client.force_login(organiser)
    page = client.get("/dashboard/").text

    assert "You are not a member of any organisation yet." in page
    assert 'href="/dashboard/organisations/new/"' in page
    assert "ask one of its owners to invite you" in page
    assert "owners cannot add members here yet" not in page


def test_the_operator_can_still_add_a_member_in_the_admin_pages(
    organiser: User,
) -> None:
    organisation = Organisation.objects.create(name="Open Streets Alliance", slug="osa")
    operator = User.objects.create_superuser("operator@undersigned.example", "a long password")
    client = Client()
    client.force_login(operator)

    response = client.post(
        "/admin/organisations/membership/add/",
        {"user": organiser.pk, "organisation": organisation.pk, "role": Role.EDITOR},
    )

    assert response.status_code == 302, response.text
    membership = Membership.objects.get(user=organiser)
    assert (membership.organisation, membership.role) == (organisation, Role.EDITOR)
    client.force_login(organiser)
    assert "Open Streets Alliance" in client.get("/dashboard/").text
