"""Olu, an owner, invites Ada by email; Ada follows the link, signs in and joins with the
role Olu chose. Links work once, expire and can be withdrawn; only owners invite, change
roles and remove members; anyone may leave, except the last owner; each change is audited."""

import re
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.utils import timezone

from tests.mail.conftest import Relay, relay, use_relay  # noqa: F401  (the fixture)
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.organisations.invitations import (
    invitation_accept,
    invitation_make,
    member_role_change,
)
from undersigned.organisations.models import Invitation, Membership, Organisation, Role

PASSWORD = "a long invitee password"
MEMBERS = "/dashboard/organisations/open-streets-alliance/members/"


def committing() -> AbstractContextManager[Any]:
    """Run what waits for the commit (the invitation's email) as a real request would: a
    test's own transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def owner(organisation: Organisation, organiser: User) -> Client:
    return signed_in(organiser)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def member(organisation: Organisation, role: Role, email: str = "") -> User:
    user = User.objects.create_user(email or f"{role}@campaign.example")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


def account(email: str) -> User:
    """An account with a confirmed address, able to sign in with a password."""
    user = User.objects.create_user(email, PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def invite(client: Client, email: str, role: Role = Role.EDITOR) -> Any:
    with committing():
        return client.post(f"{MEMBERS}invite/", {"email": email, "role": role})


def link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def made(organisation: Organisation, organiser: User, email: str, role: Role = Role.EDITOR) -> str:
    """An invitation made through the domain function; the link its email carried."""
    with committing():
        invitation_make(organisation=organisation, email=email, role=role, by=organiser)
    return link_in(str(mail.outbox[-1].body))


def section(page: str, start: str, end: str = "</table>") -> str:
    """The part of a page from `start` to the next `end`: one table, not the messages."""
    return page.split(start, 1)[1].split(end, 1)[0]


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def test_it_invites_by_email_and_the_invitee_signs_in_and_joins_with_the_role(
    organisation: Organisation,
    organiser: User,
    owner: Client,
    relay: Relay,  # noqa: F811
    settings: Any,
) -> None:
    use_relay(settings, relay)
    assert invite(owner, "Ada@Example.org").status_code == 302

    [delivery] = relay.deliveries
    assert delivery.rcpt_tos == ["Ada@example.org"]
    assert str(delivery.message["Subject"]) == (
        "You are invited to join Open Streets Alliance on undersigned"
    )
    text = delivery.part("plain")
    assert "olu@campaign.example invites you to join Open Streets Alliance" in text
    assert "as an editor" in text
    link = link_in(text)
    assert link in delivery.part("html")
    invitation = Invitation.objects.get()
    assert token_of(link) not in invitation.token_hash  # only a keyed hash is kept

    ada = Client()
    page = ada.get(link)
    assert page.status_code == 200
    assert "Join Open Streets Alliance" in page.text
    assert "as <strong>an editor</strong>" in page.text
    assert f'href="/accounts/signup/?next={link}"' in page.text.replace("%2F", "/")
    assert f'href="/accounts/login/?next={link}"' in page.text.replace("%2F", "/")

    account("ada.lovelace@uni.example")  # another address than the invited one
    signed = ada.post(
        "/accounts/login/",
        {"login": "ada.lovelace@uni.example", "password": PASSWORD, "next": link},
    )
    assert signed["Location"] == link
    assert "Accept and join Open Streets Alliance" in ada.get(link).text
    joined = ada.post(link)

    assert joined["Location"] == "/dashboard/"
    membership = Membership.objects.get(user__email="ada.lovelace@uni.example")
    assert (membership.organisation, membership.role) == (organisation, Role.EDITOR)
    invitation.refresh_from_db()
    assert invitation.accepted_by == membership.user
    assert invitation.accepted_at is not None
    assert "Open Streets Alliance" in ada.get("/dashboard/").text


def test_a_link_works_once(organisation: Organisation, organiser: User) -> None:
    link = made(organisation, organiser, "ada@example.org")
    assert signed_in(account("ada@example.org")).post(link).status_code == 302

    other = signed_in(account("mallory@example.org"))
    page = other.get(link)
    assert page.status_code == 410
    assert "This invitation has been used already" in page.text
    other.post(link)
    assert not Membership.objects.filter(user__email="mallory@example.org").exists()
    with pytest.raises(ValidationError, match="used already"):
        invitation_accept(token=token_of(link), user=User.objects.get(email="mallory@example.org"))


def test_an_expired_link_is_refused(organisation: Organisation, organiser: User) -> None:
    link = made(organisation, organiser, "ada@example.org")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    ada = signed_in(account("ada@example.org"))

    page = ada.get(link)
    assert page.status_code == 410
    assert "This invitation has expired" in page.text
    ada.post(link)
    assert not Membership.objects.filter(user__email="ada@example.org").exists()


def test_it_expires_after_invitation_days(
    organisation: Organisation, organiser: User, settings: Any
) -> None:
    settings.INVITATION_DAYS = 3
    invitation = invitation_make(
        organisation=organisation, email="ada@example.org", role=Role.VIEWER, by=organiser
    )
    expected = timezone.now() + timedelta(days=3)
    assert abs(invitation.expires_at - expected) < timedelta(minutes=1)


def test_a_withdrawn_link_is_refused(
    organisation: Organisation, organiser: User, owner: Client
) -> None:
    link = made(organisation, organiser, "ada@example.org")
    invitation = Invitation.objects.get()
    assert "ada@example.org" in owner.get(MEMBERS).text

    assert owner.post(f"{MEMBERS}invitations/{invitation.pk}/revoke/").status_code == 302

    page = Client().get(link)
    assert page.status_code == 410
    assert "This invitation was withdrawn" in page.text
    signed_in(account("ada@example.org")).post(link)
    assert not Membership.objects.filter(user__email="ada@example.org").exists()
    open_invitations = section(owner.get(MEMBERS).text, 'id="open-invitations"', "</section>")
    assert "ada@example.org" not in open_invitations
    assert "None." in open_invitations


def test_a_new_invitation_to_the_address_replaces_the_open_one(
    organisation: Organisation, organiser: User
) -> None:
    first = made(organisation, organiser, "ada@example.org", Role.VIEWER)
    second = made(organisation, organiser, "ADA@example.org", Role.MODERATOR)

    assert Client().get(first).status_code == 410
    assert signed_in(account("ada@example.org")).post(second).status_code == 302
    assert Membership.objects.get(user__email="ada@example.org").role == Role.MODERATOR


def test_an_unknown_link_is_not_found(db: None) -> None:
    page = Client().get("/invitations/not-a-real-token/")
    assert page.status_code == 404
    assert "This invitation link is not valid" in page.text


def test_it_refuses_to_invite_a_member(organisation: Organisation, owner: Client) -> None:
    member(organisation, Role.VIEWER, "vic@campaign.example")

    page = invite(owner, "VIC@campaign.example")

    assert page.status_code == 400
    assert "VIC@campaign.example is a member already." in page.text
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_anonymous_visitor_signs_up_from_the_link_while_sign_up_is_closed(
    organisation: Organisation, organiser: User, settings: Any
) -> None:
    settings.ORGANISER_SIGNUP = False
    form = {"email": "ada@example.org", "password1": PASSWORD, "password2": PASSWORD}
    stranger = Client()
    assert "Accounts are by invitation" in stranger.get("/accounts/signup/").text
    stranger.post("/accounts/signup/", form)
    assert not User.objects.filter(email="ada@example.org").exists()

    link = made(organisation, organiser, "ada@example.org")
    ada = Client()
    ada.get(link)
    assert "Accounts are by invitation" not in ada.get(f"/accounts/signup/?next={link}").text
    assert ada.post("/accounts/signup/", form).status_code == 302

    assert User.objects.filter(email="ada@example.org").exists()
    other = {**form, "email": "another@example.org"}
    ada.post("/accounts/signup/", other)  # one sign-up per visit of the link
    assert not User.objects.filter(email="another@example.org").exists()


def test_sign_up_is_open_to_anyone_while_organiser_signup_is_on(db: None, settings: Any) -> None:
    settings.ORGANISER_SIGNUP = True
    page = Client().get("/accounts/signup/")
    assert "Accounts are by invitation" not in page.text
    assert 'name="password1"' in page.text


@pytest.mark.parametrize("role", [Role.EDITOR, Role.MODERATOR, Role.VIEWER])
def test_only_owners_invite_change_roles_remove_and_withdraw(
    organisation: Organisation, organiser: User, role: Role
) -> None:
    client = signed_in(member(organisation, role))
    other = member(organisation, Role.VIEWER, "vic@campaign.example")
    pending = invitation_make(
        organisation=organisation, email="ada@example.org", role=Role.VIEWER, by=organiser
    )
    owner_membership = Membership.objects.get(user=organiser)
    audited = AuditEntry.objects.count()

    assert invite(client, "eve@example.org", Role.OWNER).status_code == 403
    assert client.post(f"{MEMBERS}{owner_membership.pk}/role/", {"role": "viewer"}).status_code == (
        403
    )
    assert client.post(f"{MEMBERS}{other.memberships.get().pk}/remove/").status_code == 403
    assert client.post(f"{MEMBERS}invitations/{pending.pk}/revoke/").status_code == 403

    assert list(Invitation.objects.values_list("email", "revoked_at")) == [
        ("ada@example.org", None)
    ]
    assert Membership.objects.get(user=organiser).role == Role.OWNER
    assert Membership.objects.filter(user=other).exists()
    assert AuditEntry.objects.count() == audited
    page = client.get(MEMBERS).text
    assert "Send the invitation" not in page
    assert "ada@example.org" not in page  # open invitations are for owners' eyes


def test_someone_outside_the_organisation_gets_a_404(
    organisation: Organisation, organiser: User
) -> None:
    outsider = signed_in(User.objects.create_user("mallory@elsewhere.example"))
    owner_membership = Membership.objects.get(user=organiser)

    assert outsider.get(MEMBERS).status_code == 404
    assert invite(outsider, "eve@example.org").status_code == 404
    assert outsider.post(f"{MEMBERS}{owner_membership.pk}/remove/").status_code == 404
    assert outsider.post(f"{MEMBERS}leave/").status_code == 404
    assert Membership.objects.filter(user=organiser).exists()


def test_the_members_page_lists_members_and_roles_with_a_leave_button_for_oneself(
    organisation: Organisation, organiser: User
) -> None:
    viewer = member(organisation, Role.VIEWER, "vic@campaign.example")
    member(organisation, Role.EDITOR, "eddie@campaign.example")

    page = section(signed_in(viewer).get(MEMBERS).text, '<table class="letters members">')

    for email, role in [
        ("olu@campaign.example", "Owner"),
        ("eddie@campaign.example", "Editor"),
        ("vic@campaign.example", "Viewer"),
    ]:
        assert re.search(rf"{re.escape(email)}.*?</th>\s*<td[^>]*>{role}</td>", page, re.S)
    assert page.count("Leave Open Streets Alliance") == 1
    assert 'action="/dashboard/organisations/open-streets-alliance/members/leave/"' in page
    assert "Change role" not in page
    assert "/remove/" not in page


def test_an_owner_changes_a_role_and_removes_a_member(
    organisation: Organisation, owner: Client
) -> None:
    eddie = member(organisation, Role.EDITOR, "eddie@campaign.example")
    vic = member(organisation, Role.VIEWER, "vic@campaign.example")
    page = owner.get(MEMBERS).text
    assert 'id="role-' in page and "Send the invitation" in page

    owner.post(f"{MEMBERS}{eddie.memberships.get().pk}/role/", {"role": "moderator"})
    owner.post(f"{MEMBERS}{vic.memberships.get().pk}/remove/")

    assert Membership.objects.get(user=eddie).role == Role.MODERATOR
    assert not Membership.objects.filter(user=vic).exists()
    members = section(owner.get(MEMBERS).text, '<table class="letters members">')
    assert "eddie@campaign.example" in members
    assert "vic@campaign.example" not in members


def test_the_last_owner_can_neither_leave_nor_be_demoted_nor_removed(
    organisation: Organisation, organiser: User, owner: Client
) -> None:
    own = Membership.objects.get(user=organiser)

    left = owner.post(f"{MEMBERS}leave/", follow=True)
    assert "You are the organisation&#x27;s only owner" in left.text
    demoted = owner.post(f"{MEMBERS}{own.pk}/role/", {"role": "editor"}, follow=True)
    assert "The organisation needs an owner" in demoted.text
    owner.post(f"{MEMBERS}{own.pk}/remove/")

    assert Membership.objects.get(user=organiser).role == Role.OWNER
    assert not AuditEntry.objects.filter(action__startswith="member.").exists()


def test_the_last_owner_is_told_from_the_database_not_from_a_stale_copy(
    organisation: Organisation, organiser: User
) -> None:
    second = member(organisation, Role.OWNER, "sam@campaign.example")
    stale = Membership.objects.get(user=organiser)
    member_role_change(membership=second.memberships.get(), role=Role.EDITOR, by=organiser)

    with pytest.raises(ValidationError, match="needs an owner"):
        member_role_change(membership=stale, role=Role.VIEWER, by=second)
    assert Membership.objects.get(user=organiser).role == Role.OWNER


def test_one_of_two_owners_may_step_down_and_leave(
    organisation: Organisation, organiser: User, owner: Client
) -> None:
    member(organisation, Role.OWNER, "sam@campaign.example")
    own = Membership.objects.get(user=organiser)

    owner.post(f"{MEMBERS}{own.pk}/role/", {"role": "editor"})
    assert Membership.objects.get(user=organiser).role == Role.EDITOR
    left = owner.post(f"{MEMBERS}leave/")

    assert left["Location"] == "/dashboard/"
    assert not Membership.objects.filter(user=organiser).exists()


def test_a_member_can_leave(organisation: Organisation) -> None:
    vic = member(organisation, Role.VIEWER, "vic@campaign.example")
    client = signed_in(vic)

    left = client.post(f"{MEMBERS}leave/")

    assert left["Location"] == "/dashboard/"
    assert not Membership.objects.filter(user=vic).exists()
    assert client.get(MEMBERS).status_code == 404


def test_every_change_of_members_is_audited_and_shown_to_owners(
    organisation: Organisation, organiser: User, owner: Client
) -> None:
    invite(owner, "ada@example.org", Role.VIEWER)
    invite(owner, "bea@example.org", Role.EDITOR)
    owner.post(f"{MEMBERS}invitations/{Invitation.objects.get(email='bea@example.org').pk}/revoke/")
    ada = account("ada@example.org")
    signed_in(ada).post(link_in(str(mail.outbox[0].body)))
    membership = Membership.objects.get(user=ada)
    owner.post(f"{MEMBERS}{membership.pk}/role/", {"role": "editor"})
    owner.post(f"{MEMBERS}{membership.pk}/remove/")
    vic = member(organisation, Role.VIEWER, "vic@campaign.example")
    signed_in(vic).post(f"{MEMBERS}leave/")

    entries = AuditEntry.objects.filter(action__startswith="member.").order_by("id")
    assert [(e.action, e.actor_label, e.organisation_id) for e in entries] == [
        ("member.invite", "olu@campaign.example", organisation.pk),
        ("member.invite", "olu@campaign.example", organisation.pk),
        ("member.invite_revoke", "olu@campaign.example", organisation.pk),
        ("member.join", "ada@example.org", organisation.pk),
        ("member.role", "olu@campaign.example", organisation.pk),
        ("member.remove", "olu@campaign.example", organisation.pk),
        ("member.leave", "vic@campaign.example", organisation.pk),
    ]
    details = [e.detail for e in entries]
    assert details[0] == {"email": "ada@example.org", "role": "viewer", "replaced": []}
    assert details[3]["role"] == "viewer"
    assert details[4] == {"role": "editor", "previous_role": "viewer"}
    assert all(e.ip_hash for e in entries)
    assert "member.leave" in owner.get(MEMBERS).text
    assert "member.leave" in owner.get("/dashboard/organisations/open-streets-alliance/audit/").text


def test_the_dashboard_and_settings_link_to_the_members_page(
    organisation: Organisation, owner: Client
) -> None:
    assert f'href="{MEMBERS}"' in owner.get("/dashboard/").text
    assert (
        f'href="{MEMBERS}"'
        in owner.get("/dashboard/organisations/open-streets-alliance/settings/").text
    )
