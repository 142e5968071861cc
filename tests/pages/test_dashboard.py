import re

from django.core import mail
from django.test import Client

from tests.conftest import make_letter, run_tasks, sign
from undersigned.accounts.models import User
from undersigned.letters.models import Letter, Status
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_lists_the_organisations_letters_with_status_and_count(
    organiser: User, organisation: Organisation
) -> None:
    petition = make_letter(organisation, slug="drop-the-contract", title="Drop it", goal=100)
    make_letter(organisation, slug="next-one", title="The next one", publish=False)
    suzie = Client()
    sign(suzie, petition)
    run_tasks()
    confirm = re.search(r"/confirm/\S+/", str(mail.outbox[-1].body))
    assert confirm
    suzie.post(confirm.group(0), HTTP_ORIGIN="http://testserver")

    page = signed_in(organiser).get("/dashboard/").text

    assert "Open Streets Alliance" in page
    rows = re.findall(r"<tr>.*?</tr>", page, flags=re.S)[1:]
    assert len(rows) == 2
    newest, oldest = rows
    assert "The next one" in newest and "Draft" in newest and ">Publish<" in newest
    assert "Drop it" in oldest and "Open" in oldest
    assert re.search(
        r'<td class="number" data-label="Signatures">1 <span class="muted">of 100</span>', oldest
    )
    assert 'href="/letters/drop-the-contract/"' in oldest
    assert 'href="/letters/next-one/"' not in newest  # a draft has no public page yet


def test_it_shows_only_the_organisations_the_user_belongs_to(
    organiser: User, organisation: Organisation
) -> None:
    other = User.objects.create_user("mallory@elsewhere.example")
    theirs = organisation_create(name="Elsewhere Campaign", owner=other)
    make_letter(theirs, slug="their-letter", title="Their letter", publish=False)
    page = signed_in(organiser).get("/dashboard/").text
    assert "Open Streets Alliance" in page
    assert "Elsewhere Campaign" not in page
    assert "Their letter" not in page


def test_it_makes_the_creator_owner_of_a_new_organisation(organiser: User) -> None:
    client = signed_in(organiser)
    assert "A new organisation" in client.get("/dashboard/organisations/new/").text
    response = client.post("/dashboard/organisations/new/", {"name": "  Library Friends  "})
    assert response["Location"] == "/dashboard/"
    organisation = Organisation.objects.get(name="Library Friends")
    assert organisation.slug == "library-friends"
    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user, membership.role) == (organiser, Role.OWNER)
    page = client.get("/dashboard/").text
    assert "Library Friends is ready" in page
    assert 'href="/dashboard/organisations/library-friends/letters/new/"' in page


def test_it_asks_for_the_organisations_name(organiser: User) -> None:
    response = signed_in(organiser).post("/dashboard/organisations/new/", {"name": " "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not Organisation.objects.exists()


def test_it_shows_a_letter_in_review_as_waiting_with_nothing_to_publish(
    organiser: User, organisation: Organisation
) -> None:
    make_letter(organisation, slug="in-review", status=Status.IN_REVIEW, publish=False)
    page = signed_in(organiser).get("/dashboard/").text
    assert "In review" in page and "Waiting for review" in page
    assert ">Publish<" not in page and "Send for review" not in page


def test_it_shows_a_stepped_letters_count_in_its_steps(
    organiser: User, workers_letter: Letter
) -> None:
    """Its signers were told organisers see what the public sees."""
    workers_letter.count_step = 50
    workers_letter.save()
    for n in range(3):
        signature_confirm(
            signature_id=signature_create(
                letter=workers_letter,
                data=SignatureInput(
                    name="",
                    email=f"w{n}@northwind.example",
                    display="anonymous",
                    consent_updates=False,
                ),
            ).pk
        )

    page = signed_in(organiser).get("/dashboard/").text

    assert 'data-label="Signatures">fewer than 50<' in page
