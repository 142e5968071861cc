"""Organisers' API tokens: made by an owner on the organisation's tokens page, shown once
and kept only as a hash, marked when last used, refused once revoked, good for their own
organisation only, and no stronger than their creator's role is now."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from tests.api.conftest import EVERY_SCOPE, MakeToken, bearer, get
from tests.conftest import make_letter
from tests.signing.conftest import cells_containing
from undersigned.accounts.models import User
from undersigned.api.api import UNAUTHENTICATED
from undersigned.api.models import ApiToken, Scope, token_hash
from undersigned.api.tokens import token_create
from undersigned.letters.models import Letter
from undersigned.organisations.invitations import member_remove, member_role_change
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role

PAGE = "/dashboard/organisations/open-streets-alliance/api-tokens/"
OWN_LIST = "/api/v1/organisation/petitions/"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def member(organisation: Organisation, email: str, role: Role) -> User:
    user = User.objects.create_user(email, "a long member password")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


def created_on_the_page(owner: User, **form: object) -> tuple[str, str]:
    """The page that answered the form, and the secret it showed."""
    data = {"name": "CRM sync", "scopes": [Scope.READ_SIGNATURES, Scope.WRITE_LETTERS], **form}
    response = signed_in(owner).post(PAGE, data)
    assert response.status_code == 200, response.text[:1000]
    secret = response.text.partition('id="token-secret"')[2].partition('value="')[2].split('"')[0]
    assert secret.startswith("usg_"), response.text[:2000]
    return response.text, secret


def test_an_owner_creates_a_token_shown_once_and_kept_as_a_hash(
    organiser: User, organisation: Organisation
) -> None:
    page, secret = created_on_the_page(organiser)

    assert "Copy it now: it is shown this once" in page
    assert f"Authorization: Bearer {secret}" in page
    token = ApiToken.objects.get()
    assert (token.name, token.scopes) == ("CRM sync", ["letters:write", "signatures:read"])
    assert (token.organisation, token.created_by) == (organisation, organiser)
    assert token.key_hash == token_hash(secret) != secret
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) // 2
    # Nowhere in the database, the audit log included, is the secret or its random part.
    assert cells_containing(secret) == []
    assert cells_containing(secret[len(token.prefix) :]) == []
    again = signed_in(organiser).get(PAGE)
    assert secret not in again.text
    assert f"{token.prefix}…" in again.text
    assert "Create and change letters, Read and export signatures" in again.text
    assert page.count(secret) == 2  # the field, and the header to send


def test_the_token_works_at_once(organiser: User, petition: Letter) -> None:
    _page, secret = created_on_the_page(organiser)

    response = get(OWN_LIST, secret)

    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["_embedded"]["osdi:petitions"]] == [petition.slug]


def test_it_refuses_a_token_with_no_permission(organiser: User, organisation: Organisation) -> None:
    response = signed_in(organiser).post(PAGE, {"name": "Nothing", "scopes": []})

    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not ApiToken.objects.exists()
    assert 'id="token-secret"' not in response.text


@pytest.mark.parametrize("role", [Role.EDITOR, Role.MODERATOR, Role.VIEWER])
def test_the_tokens_page_is_for_owners_only(organisation: Organisation, role: Role) -> None:
    someone = member(organisation, "kim@campaign.example", role)
    client = signed_in(someone)

    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "Mine", "scopes": [Scope.READ_SIGNATURES]}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_tokens_page_does_not_exist_for_anyone_outside(
    organiser: User, organisation: Organisation, make_token: MakeToken
) -> None:
    make_token()
    outsider = User.objects.create_user("eve@elsewhere.example", "a long outsider password")
    organisation_create(name="Elsewhere", owner=outsider)
    token = ApiToken.objects.get()

    assert signed_in(outsider).get(PAGE).status_code == 404
    revoke = f"{PAGE}{token.pk}/revoke/"
    assert signed_in(outsider).post(revoke).status_code == 404
    assert Client().get(PAGE).status_code == 302  # to sign in
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_non_owner_cannot_revoke_a_token(
    organisation: Organisation, make_token: MakeToken
) -> None:
    secret = make_token()
    editor = member(organisation, "kim@campaign.example", Role.EDITOR)
    token = ApiToken.objects.get()

    assert signed_in(editor).post(f"{PAGE}{token.pk}/revoke/").status_code == 403
    assert get(OWN_LIST, secret).status_code == 200


def test_it_marks_when_a_token_was_last_used(
    organiser: User, petition: Letter, make_token: MakeToken
) -> None:
    secret = make_token()
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    assert "Never" in signed_in(organiser).get(PAGE).text

    before = timezone.now()
    assert get(OWN_LIST, secret).status_code == 200

    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= before
    page = signed_in(organiser).get(PAGE).text
    assert f'datetime="{token.last_used_at.isoformat()[:19]}' in page
    assert "Never" not in page


def test_it_writes_last_used_at_most_once_a_minute(petition: Letter, make_token: MakeToken) -> None:
    secret = make_token()
    get(OWN_LIST, secret)
    first = ApiToken.objects.get().last_used_at
    assert first is not None

    get(OWN_LIST, secret)
    assert ApiToken.objects.get().last_used_at == first

    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    get(OWN_LIST, secret)
    latest = ApiToken.objects.get().last_used_at
    assert latest is not None and latest > first


def test_a_revoked_token_is_refused(
    organiser: User, petition: Letter, make_token: MakeToken
) -> None:
    secret = make_token()
    token = ApiToken.objects.get()
    assert get(OWN_LIST, secret).status_code == 200

    revoked = signed_in(organiser).post(f"{PAGE}{token.pk}/revoke/")

    assert revoked.status_code == 302
    for path in (OWN_LIST, f"/api/v1/organisation/petitions/{petition.slug}/signatures/"):
        response = get(path, secret)
        assert response.status_code == 401, path
        assert response.json() == {"detail": UNAUTHENTICATED}
    assert "Revoked" in signed_in(organiser).get(PAGE).text
    assert signed_in(organiser).post(f"{PAGE}{token.pk}/revoke/").status_code == 302


@pytest.mark.parametrize(
    "secret",
    ["", "usg_", "usg_made-up-token", "not-even-ours", "usg_" + "A" * 43],
    ids=["empty", "prefix", "made-up", "foreign", "long"],
)
def test_an_unknown_token_is_refused(petition: Letter, secret: str) -> None:
    response = Client().get(OWN_LIST, headers=bearer(secret))

    assert response.status_code == 401


def test_a_token_is_refused_in_another_scheme(petition: Letter, make_token: MakeToken) -> None:
    secret = make_token()

    for header in (f"Token {secret}", f"Basic {secret}", secret):
        answer = Client().get(OWN_LIST, headers={"Authorization": header})
        assert answer.status_code == 401, header


def test_a_token_of_another_organisation_finds_none_of_its_letters(
    organisation: Organisation, make_token: MakeToken
) -> None:
    ours = make_letter(organisation, slug="ours")
    draft = make_letter(organisation, slug="our-draft", publish=False)
    outsider = User.objects.create_user("eve@elsewhere.example", "a long outsider password")
    elsewhere = organisation_create(name="Elsewhere", owner=outsider)
    theirs = make_letter(elsewhere, slug="theirs")
    secret = make_token(organisation=elsewhere, user=outsider)

    listed = get(OWN_LIST, secret).json()["_embedded"]["osdi:petitions"]
    assert [p["slug"] for p in listed] == [theirs.slug]
    for letter in (ours, draft):
        base = f"/api/v1/organisation/petitions/{letter.slug}/"
        answers = [
            get(f"{base}signatures/", secret),
            Client().patch(
                base,
                {"title": "Taken over"},
                content_type="application/json",
                headers=bearer(secret),
            ),
            Client().post(
                f"{base}updates/",
                {"title": "Hello", "description": "From elsewhere."},
                content_type="application/json",
                headers=bearer(secret),
            ),
        ]
        assert [answer.status_code for answer in answers] == [404, 404, 404], letter.slug
        assert all(answer.json() == {"detail": "Not Found"} for answer in answers)
    ours.refresh_from_db()
    assert ours.title == "Drop the camera contract"
    assert not ours.updates.exists()


def test_a_token_is_no_stronger_than_its_creator_is_now(
    organiser: User, organisation: Organisation, petition: Letter, make_token: MakeToken
) -> None:
    secret = make_token()
    signatures = f"/api/v1/organisation/petitions/{petition.slug}/signatures/"
    assert get(signatures, secret).status_code == 200
    second = member(organisation, "kim@campaign.example", Role.OWNER)

    member_role_change(
        membership=Membership.objects.get(user=organiser), role=Role.VIEWER, by=second
    )

    refused = get(signatures, secret)
    assert refused.status_code == 403
    assert "signatures:read" in refused.json()["detail"]
    patched = Client().patch(
        f"/api/v1/organisation/petitions/{petition.slug}/",
        {"title": "Changed"},
        content_type="application/json",
        headers=bearer(secret),
    )
    assert patched.status_code == 403
    # A viewer still reads the organisation's letters: a token with no scope asked does too.
    assert get(OWN_LIST, secret).status_code == 200


def test_a_token_stops_when_its_creator_leaves(
    organiser: User, organisation: Organisation, petition: Letter, make_token: MakeToken
) -> None:
    secret = make_token()
    second = member(organisation, "kim@campaign.example", Role.OWNER)

    member_remove(membership=Membership.objects.get(user=organiser), by=second)

    assert get(OWN_LIST, secret).status_code == 401


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.OWNER, set(EVERY_SCOPE)),
        (Role.EDITOR, {Scope.WRITE_LETTERS, Scope.WRITE_SIGNATURES, Scope.SEND_UPDATES}),
        (Role.MODERATOR, set()),
        (Role.VIEWER, set()),
    ],
)
def test_a_member_may_give_a_token_only_what_their_role_allows(
    organisation: Organisation, role: Role, allowed: set[str]
) -> None:
    someone = member(organisation, "kim@campaign.example", role)

    for scope in EVERY_SCOPE:
        if scope in allowed:
            token_create(organisation=organisation, user=someone, name="Try", scopes=[scope])
        else:
            with pytest.raises(PermissionDenied, match="Your role does not allow"):
                token_create(organisation=organisation, user=someone, name="Try", scopes=[scope])
    assert ApiToken.objects.count() == len(allowed)
