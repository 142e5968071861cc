"""An operator's changes in the Django admin to organisations and memberships are in the
audit log, under the organisation they concern."""

import pytest
from django.test import Client

from tests.audit.conftest import ADDRESS, client_of
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.lib.network import address_hash
from undersigned.organisations.models import Membership, Organisation, Role


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser("root@site.example")


@pytest.fixture
def admin_client(operator: User) -> Client:
    return client_of(operator)


@pytest.fixture
def eve(db: None) -> User:
    return User.objects.create_user("eve@campaign.example")


def _organisation_form(organisation: Organisation, **changes: object) -> dict[str, object]:
    members = list(organisation.memberships.all())
    data: dict[str, object] = {
        "name": organisation.name,
        "slug": organisation.slug,
        "website": organisation.website,
        "contact_email": organisation.contact_email,
        "memberships-TOTAL_FORMS": str(len(members) + 1),
        "memberships-INITIAL_FORMS": str(len(members)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, member in enumerate(members):
        data[f"memberships-{index}-id"] = str(member.pk)
        data[f"memberships-{index}-organisation"] = str(organisation.pk)
        data[f"memberships-{index}-user"] = str(member.user_id)
        data[f"memberships-{index}-role"] = member.role
    # The extra row, as a browser sends it: its role select shows the default.
    data[f"memberships-{len(members)}-role"] = Role.VIEWER
    data.update(changes)
    return data


def test_it_records_an_organisation_changed_in_the_admin(
    admin_client: Client, operator: User, organisation: Organisation
) -> None:
    url = f"/admin/organisations/organisation/{organisation.pk}/change/"
    page = admin_client.post(url, _organisation_form(organisation, website="https://os.example"))
    assert page.status_code == 302, page.content

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.organisation_id) == (
        "organisation.change",
        operator,
        organisation.pk,
    )
    assert (entry.target_type, entry.target_id) == (
        "organisations.organisation",
        str(organisation.pk),
    )
    assert entry.detail == {"via": "admin", "fields": ["website"]}
    assert entry.ip_hash == address_hash(ADDRESS)


def test_it_records_members_added_and_their_role_changed_through_the_inline(
    admin_client: Client, operator: User, organisation: Organisation, eve: User
) -> None:
    url = f"/admin/organisations/organisation/{organisation.pk}/change/"
    added = _organisation_form(
        organisation, **{"memberships-1-user": str(eve.pk), "memberships-1-role": "editor"}
    )
    assert admin_client.post(url, added).status_code == 302
    membership = Membership.objects.get(user=eve)
    entry = AuditEntry.objects.get(action="member.add")
    assert entry.detail == {"via": "admin", "role": "editor"}
    assert (entry.target_id, entry.organisation_id) == (str(membership.pk), organisation.pk)

    index = list(organisation.memberships.all()).index(membership)
    promoted = _organisation_form(organisation, **{f"memberships-{index}-role": "owner"})
    assert admin_client.post(url, promoted).status_code == 302
    entry = AuditEntry.objects.get(action="member.role")
    assert entry.actor == operator
    assert entry.detail == {
        "via": "admin",
        "fields": ["role"],
        "role": "owner",
        "previous_role": "editor",
    }

    removed = _organisation_form(organisation, **{f"memberships-{index}-DELETE": "on"})
    assert admin_client.post(url, removed).status_code == 302
    assert not Membership.objects.filter(user=eve).exists()
    entry = AuditEntry.objects.get(action="member.remove")
    assert (entry.target_id, entry.organisation_id) == (str(membership.pk), organisation.pk)


def test_it_records_a_membership_changed_on_its_own_page(
    admin_client: Client, organisation: Organisation, eve: User
) -> None:
    page = admin_client.post(
        "/admin/organisations/membership/add/",
        {"organisation": organisation.pk, "user": eve.pk, "role": "viewer"},
    )
    assert page.status_code == 302
    membership = Membership.objects.get(user=eve)
    assert AuditEntry.objects.get(action="member.add").target_id == str(membership.pk)

    url = f"/admin/organisations/membership/{membership.pk}/change/"
    changed = {"organisation": organisation.pk, "user": eve.pk, "role": "moderator"}
    assert admin_client.post(url, changed).status_code == 302
    assert AuditEntry.objects.get(action="member.role").detail["previous_role"] == "viewer"


def test_it_records_nothing_for_a_save_that_changed_nothing(
    admin_client: Client, organisation: Organisation
) -> None:
    url = f"/admin/organisations/organisation/{organisation.pk}/change/"
    assert admin_client.post(url, _organisation_form(organisation)).status_code == 302
    assert not AuditEntry.objects.exists()


def test_it_records_memberships_and_organisations_deleted_in_the_admin(
    admin_client: Client, operator: User, organisation: Organisation, eve: User
) -> None:
    membership = Membership.objects.create(organisation=organisation, user=eve, role=Role.VIEWER)
    bulk = {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"}
    assert admin_client.post("/admin/organisations/membership/", bulk).status_code == 302
    assert AuditEntry.objects.get(action="member.remove").target_id == str(membership.pk)

    organisation_id = organisation.pk
    url = f"/admin/organisations/organisation/{organisation_id}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Organisation.objects.exists()
    entry = AuditEntry.objects.get(action="organisation.delete")
    assert (entry.actor, entry.organisation_id) == (operator, organisation_id)
    assert entry.target_label == "Open Streets Alliance"
    assert AuditEntry.objects.filter(organisation_id=organisation_id).count() == 2
