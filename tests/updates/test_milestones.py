"""Milestones: the worker's round finds a goal reached, raises it, tells the owners and
editors, and drafts an update that is never sent by itself."""

from django.core import mail
from django.test import Client

from tests.conftest import run_tasks
from tests.updates.conftest import signer
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.updates.milestones import milestones_check, next_goal
from undersigned.updates.models import Kind, Milestone, Update, UpdateStatus


def test_goals_rise_in_steps_of_one_two_and_a_half_and_five() -> None:
    assert [next_goal(n) for n in (999, 1000, 2500, 2600, 5000, 10000, 24999)] == [
        1000, 2500, 5000, 5000, 10000, 25000, 25000,
    ]  # fmt: skip
    assert next_goal(3) == 5 and next_goal(7) == 10


def test_reaching_the_goal_raises_it_and_drafts_an_update(
    petition: Letter, organisation: Organisation, organiser: User
) -> None:
    viewer = User.objects.create_user("vi@campaign.example", "a long viewer password")
    Membership.objects.create(organisation=organisation, user=viewer, role=Role.VIEWER)
    petition.goal = 3
    petition.save()
    for name in ("ada", "bo"):
        signer(petition, f"{name}@example.org")
    assert milestones_check() == []

    signer(petition, "cy@example.org")
    [milestone] = milestones_check()
    assert milestones_check() == []  # found once
    petition.refresh_from_db()
    assert (milestone.goal, milestone.next_goal, petition.goal) == (3, 5, 5)

    page = Client().get(petition.get_absolute_url())
    assert "Goal reached" in page.text and "next goal 5" in page.text
    assert "Reached its goal of 3 signatures" in page.text

    mail.outbox.clear()
    run_tasks()
    # The owner is told, the viewer is not, and no signer hears anything yet.
    assert [message.to for message in mail.outbox] == [[organiser.email]]
    assert "reached its goal of 3 signatures" in str(mail.outbox[0].body)
    drafted = Update.objects.get(kind=Kind.MILESTONE)
    assert drafted.status == UpdateStatus.DRAFT
    assert f"/dashboard/updates/{drafted.pk}/" in str(mail.outbox[0].body)


def test_a_goal_that_does_not_rise_is_reached_once(petition: Letter) -> None:
    petition.goal = 1
    petition.goal_rises = False
    petition.save()
    signer(petition, "ada@example.org")
    signer(petition, "bo@example.org")

    assert len(milestones_check()) == 1
    assert milestones_check() == []
    petition.refresh_from_db()
    assert petition.goal == 1
    assert Milestone.objects.get().next_goal is None
    assert "reached" in Client().get(petition.get_absolute_url()).text
