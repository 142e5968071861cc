"""The owners' pages: adding, changing and removing an endpoint (each in the audit log),
its secret, its log and the test button; every other member is refused, and so is an
address the worker must not reach."""

from typing import Any

import pytest
from django.test import Client
from django.utils import dateformat

from tests.conftest import run_tasks
from tests.webhooks.conftest import Receiver, signature_valid
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.webhooks.endpoints import endpoint_test
from undersigned.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

PAGES = "/dashboard/organisations/open-streets-alliance/webhooks/"


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def olu(organiser: User) -> Client:
    return client_of(organiser)


def add(client: Client, url: str, **fields: Any) -> Any:
    data = {"url": url, "description": "Our CRM", "events": ["signature.confirmed"], **fields}
    return client.post(f"{PAGES}new/", data)


def test_an_owner_adds_an_endpoint_and_sees_its_secret(
    olu: Client, organiser: User, organisation: Organisation, receiver: Receiver
) -> None:
    page = add(olu, receiver.url, events=["signature.confirmed", "milestone.reached"])

    endpoint = WebhookEndpoint.objects.get()
    assert page.status_code == 302
    assert page["Location"] == f"{PAGES}{endpoint.pk}/"
    assert endpoint.organisation == organisation
    assert endpoint.events == ["signature.confirmed", "milestone.reached"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    entry = AuditEntry.objects.get(action="webhook.create")
    assert (entry.actor, entry.organisation_id) == (organiser, organisation.pk)
    assert entry.target_label == f"Webhook {endpoint.pk} to 127.0.0.1"
    assert "crm-key" not in str(entry.detail) + entry.target_label
    shown = olu.get(page["Location"]).text
    assert endpoint.secret in shown
    assert receiver.url.replace("&", "&amp;") in shown
    assert "Nothing sent yet." in shown
    listing = olu.get(PAGES).text
    assert "127.0.0.1" in listing and "Our CRM" in listing
    assert "A letter reached its goal" in listing


def test_an_owner_changes_an_endpoint(
    olu: Client, organiser: User, endpoint: WebhookEndpoint
) -> None:
    data = {
        "url": endpoint.url,
        "description": "CiviCRM",
        "events": ["signature.withdrawn", "answer.recorded"],
        "active": "",
    }
    page = olu.post(f"{PAGES}{endpoint.pk}/edit/", data)

    assert page.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.description == "CiviCRM"
    assert endpoint.events == ["signature.withdrawn", "answer.recorded"]
    assert not endpoint.active
    entry = AuditEntry.objects.get(action="webhook.edit")
    assert entry.detail == {"fields": ["description", "events", "active"]}
    form = olu.get(f"{PAGES}{endpoint.pk}/edit/").text
    assert 'value="CiviCRM"' in form


def test_an_owner_removes_an_endpoint_with_its_log(
    olu: Client, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    endpoint_test(endpoint=endpoint)
    page = olu.post(f"{PAGES}{endpoint.pk}/delete/")

    assert page.status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert AuditEntry.objects.get(action="webhook.delete").target_id == str(endpoint.pk)
    run_tasks()
    assert receiver.received == []


def test_a_new_secret_signs_what_goes_out_from_then_on(
    olu: Client, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    old = endpoint.secret
    page = olu.post(f"{PAGES}{endpoint.pk}/secret/")

    assert page.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert AuditEntry.objects.filter(action="webhook.secret").count() == 1
    endpoint_test(endpoint=endpoint)
    run_tasks()
    [request] = receiver.received
    assert signature_valid(request, endpoint.secret)
    assert not signature_valid(request, old)


def test_the_test_button_sends_a_ping_that_shows_in_the_log(
    olu: Client, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    page = olu.post(f"{PAGES}{endpoint.pk}/test/")
    assert page.status_code == 302
    run_tasks()

    [request] = receiver.received
    assert request.json["type"] == "ping"
    assert request.json["data"]["organisation"]["slug"] == "open-streets-alliance"
    log = olu.get(f"{PAGES}{endpoint.pk}/").text
    assert request.json["id"] in log
    assert "Delivered" in log
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


def test_the_log_shows_a_failure_and_when_it_is_tried_again(
    olu: Client, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    receiver.answers = [500]
    endpoint_test(endpoint=endpoint)
    run_tasks()

    log = olu.get(f"{PAGES}{endpoint.pk}/").text
    delivery = WebhookDelivery.objects.get()
    assert "Waiting" in log
    assert "the CRM is down for maintenance" in log
    assert delivery.next_attempt_at is not None
    assert f'datetime="{dateformat.format(delivery.next_attempt_at, "c")}"' in log


def test_a_test_goes_to_an_endpoint_turned_off(
    endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    endpoint.refresh_from_db()
    endpoint_test(endpoint=endpoint)
    run_tasks()
    assert [request.json["type"] for request in receiver.received] == ["ping"]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.MODERATOR, Role.VIEWER])
def test_other_members_are_refused_every_page(
    organisation: Organisation, endpoint: WebhookEndpoint, receiver: Receiver, role: Role
) -> None:
    member = User.objects.create_user(f"{role}@campaign.example")
    Membership.objects.create(organisation=organisation, user=member, role=role)
    client = client_of(member)
    one = f"{PAGES}{endpoint.pk}/"

    for path in (PAGES, f"{PAGES}new/", one, f"{one}edit/"):
        assert client.get(path).status_code == 403, path
    taken_over = {"url": "https://elsewhere.example/", "events": ["signature.confirmed"]}
    for path in (f"{PAGES}new/", f"{one}edit/", f"{one}delete/", f"{one}secret/", f"{one}test/"):
        assert client.post(path, taken_over).status_code == 403, path
    assert WebhookEndpoint.objects.get().secret == endpoint.secret
    assert not WebhookDelivery.objects.exists()
    assert (
        not AuditEntry.objects.filter(action__startswith="webhook.")
        .exclude(action="webhook.create")
        .exists()
    )


def test_someone_outside_the_organisation_finds_nothing(
    endpoint: WebhookEndpoint, organisation: Organisation
) -> None:
    stranger = User.objects.create_user("zed@other.example")
    theirs = organisation_create(name="Other Cause", owner=stranger)
    client = client_of(stranger)

    assert client.get(PAGES).status_code == 404
    assert client.get(f"{PAGES}{endpoint.pk}/").status_code == 404
    # Their own organisation's pages do not open another's endpoint either.
    other_pages = f"/dashboard/organisations/{theirs.slug}/webhooks/"
    assert client.get(other_pages).status_code == 200
    assert client.get(f"{other_pages}{endpoint.pk}/").status_code == 404
    assert client.post(f"{other_pages}{endpoint.pk}/test/").status_code == 404
    assert Client().get(PAGES).status_code == 302  # to sign in


@pytest.mark.parametrize(
    "url",
    ["ftp://crm.example/hook", "javascript:alert(1)", "https://ana:secret@crm.example/hook"],
)
def test_it_refuses_what_is_not_an_http_address(
    olu: Client, organisation: Organisation, url: str
) -> None:
    page = add(olu, url)
    assert page.status_code == 400
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.9/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_in_production_it_refuses_private_addresses(
    olu: Client, organisation: Organisation, settings: Any, url: str
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    page = add(olu, url)
    assert page.status_code == 400
    assert "Enter an address on the public internet." in page.text
    assert not WebhookEndpoint.objects.exists()


def test_in_production_the_worker_sends_nothing_to_a_private_address(
    endpoint: WebhookEndpoint, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    # A name of this machine: the form takes a name, the worker looks it up when it sends.
    url = receiver.url.replace("127.0.0.1", "localhost")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=url)
    endpoint.refresh_from_db()
    endpoint_test(endpoint=endpoint)
    run_tasks()

    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert delivery.state == DeliveryState.WAITING
    assert "private network or this machine" in delivery.last_error
