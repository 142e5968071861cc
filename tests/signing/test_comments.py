"""Signers' comments: shown at once or held for approval as the letter asks, hidden or
shown by the letter's moderators only, audited, and never taking a signature off the count."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from tests.letters.editor_page import form_values
from tests.moderation.conftest import member, signed_in
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import CommentReview, FieldRule, Letter
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Organisation, Role
from undersigned.signing.comments import comment_hide, comment_show
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import CommentState, Signature, State
from undersigned.signing.presentation import Audience, signatory

COMMENT = "I walk past the cameras every day."


@pytest.fixture
def held_letter(organisation: Organisation) -> Letter:
    """A petition whose comments show only once a moderator approves them."""
    return make_letter(
        organisation,
        slug="held-comments",
        ask_comment=FieldRule.OPTIONAL,
        comment_review=CommentReview.BEFORE,
    )


def comments_url(letter: Letter, pk: int | None = None) -> str:
    base = f"/dashboard/letters/{letter.slug}/comments/"
    return f"{base}{pk}/" if pk else base


def comment_state(signature: Signature) -> str:
    signature.refresh_from_db()
    return signature.comment_state


def test_it_shows_a_comment_at_once_where_the_letter_says_so(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace", comment=COMMENT)

    assert comment_state(signature) == CommentState.SHOWN
    assert signatory(signature).comment == COMMENT


def test_it_holds_a_comment_until_a_moderator_approves_it(held_letter: Letter) -> None:
    signature = signed_and_confirmed(
        held_letter, "ada@example.org", "Ada Lovelace", comment=COMMENT
    )

    assert comment_state(signature) == CommentState.WAITING
    assert signatory(signature).comment == ""
    assert signatory(signature, Audience.ORGANISERS).comment == ""


def test_it_gives_a_signature_without_a_comment_no_comment_state(held_letter: Letter) -> None:
    signature = signed_and_confirmed(held_letter, "ada@example.org", "Ada Lovelace")

    assert comment_state(signature) == CommentState.NONE


def test_it_shows_a_hidden_comment_to_nobody(petition: Letter, organiser: User) -> None:
    signature = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace", comment=COMMENT)

    comment_hide(signature=signature, by=organiser)

    signature.refresh_from_db()
    assert signatory(signature).comment == ""
    assert signatory(signature, Audience.ORGANISERS).comment == ""
    assert signatory(signature).name == "Ada Lovelace"  # the signature is still listed


def test_hiding_a_comment_leaves_the_signature_counted(petition: Letter, organiser: User) -> None:
    signature = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace", comment=COMMENT)
    before = letter_count_fresh(petition.pk).total

    comment_hide(signature=signature, by=organiser)

    signature.refresh_from_db()
    assert signature.state == State.COUNTED
    assert letter_count_fresh(petition.pk).total == before == 1
    page = Client().get(f"/letters/{petition.slug}/signatures/").text
    assert "Ada Lovelace" in page and COMMENT not in page


def test_it_audits_an_approval_and_a_hiding_without_the_comment(
    held_letter: Letter, organiser: User
) -> None:
    signature = signed_and_confirmed(
        held_letter, "ada@example.org", "Ada Lovelace", comment=COMMENT
    )

    comment_show(signature=signature, by=organiser)
    comment_hide(signature=signature, by=organiser)

    entries = AuditEntry.objects.filter(action__startswith="comment.").order_by("pk")
    assert [(e.action, e.detail["from"], e.detail["to"]) for e in entries] == [
        ("comment.show", "waiting", "shown"),
        ("comment.hide", "shown", "hidden"),
    ]
    assert {e.organisation_id for e in entries} == {held_letter.organisation_id}
    assert {e.actor_id for e in entries} == {organiser.pk}
    assert {e.target_id for e in entries} == {str(signature.pk)}
    for entry in entries:
        assert "walk past" not in str(entry.detail) + entry.target_label


def test_it_refuses_a_change_the_comment_is_not_in_a_state_for(
    petition: Letter, organiser: User
) -> None:
    shown = signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace", comment=COMMENT)
    bare = signed_and_confirmed(petition, "bo@example.org", "Bo Diddley")

    with pytest.raises(ValidationError):
        comment_show(signature=shown, by=organiser)
    with pytest.raises(ValidationError):
        comment_hide(signature=bare, by=organiser)

    assert (comment_state(shown), comment_state(bare)) == ("shown", "")
    assert not AuditEntry.objects.filter(action__startswith="comment.").exists()


@pytest.mark.parametrize("role", [Role.OWNER, Role.MODERATOR])
def test_owners_and_moderators_approve_and_hide_comments(
    held_letter: Letter, organisation: Organisation, organiser: User, role: Role
) -> None:
    signature = signed_and_confirmed(
        held_letter, "ada@example.org", "Ada Lovelace", comment=COMMENT
    )
    client = signed_in(organiser if role == Role.OWNER else member(organisation, role))

    queue = client.get(comments_url(held_letter))
    assert queue.status_code == 200
    assert "Ada Lovelace" in queue.text and COMMENT in queue.text
    assert "Waiting for a moderator (1)" in queue.text

    approved = client.post(comments_url(held_letter, signature.pk), {"change": "show"})
    assert approved.status_code == 302
    assert comment_state(signature) == CommentState.SHOWN
    assert COMMENT in Client().get(f"/letters/{held_letter.slug}/signatures/").text

    client.post(comments_url(held_letter, signature.pk), {"change": "hide", "state": "shown"})
    assert comment_state(signature) == CommentState.HIDDEN
    hidden = client.get(comments_url(held_letter) + "?state=hidden")
    assert COMMENT in hidden.text and "Hidden by a moderator (1)" in hidden.text


def test_the_moderation_page_links_to_the_comments_with_the_number_waiting(
    held_letter: Letter, organiser: User
) -> None:
    for n in range(3):
        signed_and_confirmed(held_letter, f"signer{n}@example.org", comment=COMMENT)

    page = signed_in(organiser).get(f"/dashboard/letters/{held_letter.slug}/moderation/").text

    assert f'href="{comments_url(held_letter)}"' in page
    assert "3 comments waiting for approval" in page


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_it_refuses_roles_that_may_not_moderate(
    held_letter: Letter, organisation: Organisation, role: Role
) -> None:
    signature = signed_and_confirmed(
        held_letter, "ada@example.org", "Ada Lovelace", comment=COMMENT
    )
    client = signed_in(member(organisation, role))

    assert client.get(comments_url(held_letter)).status_code == 403
    posted = client.post(comments_url(held_letter, signature.pk), {"change": "show"})
    assert posted.status_code == 403
    assert comment_state(signature) == CommentState.WAITING


def test_it_sends_an_anonymous_visitor_to_sign_in(held_letter: Letter) -> None:
    signature = signed_and_confirmed(
        held_letter, "ada@example.org", "Ada Lovelace", comment=COMMENT
    )

    page = Client().get(comments_url(held_letter))
    posted = Client().post(comments_url(held_letter, signature.pk), {"change": "show"})

    for response in (page, posted):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert comment_state(signature) == CommentState.WAITING


def test_it_tells_another_organisation_nothing(held_letter: Letter) -> None:
    signature = signed_and_confirmed(
        held_letter, "ada@example.org", "Ada Lovelace", comment=COMMENT
    )
    outsider = User.objects.create_user("mallory@elsewhere.example")
    organisation_create(name="Elsewhere", owner=outsider)
    client = signed_in(outsider)

    assert client.get(comments_url(held_letter)).status_code == 404
    posted = client.post(comments_url(held_letter, signature.pk), {"change": "show"})
    assert posted.status_code == 404
    assert comment_state(signature) == CommentState.WAITING


def test_it_moderates_only_the_letters_own_signatures(
    held_letter: Letter, petition: Letter, organisation: Organisation, organiser: User
) -> None:
    """A moderator of one letter cannot reach another's signature through its address."""
    other = make_letter(
        organisation_create(name="Elsewhere", owner=User.objects.create_user("e@x.example")),
        slug="elsewhere",
        comment_review=CommentReview.BEFORE,
    )
    signature = signed_and_confirmed(other, "ada@example.org", "Ada Lovelace", comment=COMMENT)

    posted = signed_in(organiser).post(comments_url(held_letter, signature.pk), {"change": "show"})

    assert posted.status_code == 404
    assert comment_state(signature) == CommentState.WAITING


def test_the_editor_lets_an_organiser_hold_comments_for_approval(
    organisation: Organisation, organiser: User
) -> None:
    draft = make_letter(organisation, publish=False)
    client = signed_in(organiser)
    url = f"/dashboard/letters/{draft.slug}/"
    page = client.get(url)
    assert "Once a moderator has approved it" in page.text
    values = form_values(page)
    assert values["comment_review"] == CommentReview.AFTER

    response = client.post(url, {**values, "comment_review": CommentReview.BEFORE})

    assert response.status_code == 302, response.text
    draft.refresh_from_db()
    assert draft.comment_review == CommentReview.BEFORE
