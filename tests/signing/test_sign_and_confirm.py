import re

from django.core import mail
from django.test import Client

from tests.conftest import run_tasks, sign
from undersigned.letters.models import Letter
from undersigned.signing.models import Level, Signature


def confirm_url(message: mail.EmailMessage) -> str:
    match = re.search(r"http://\S+/confirm/\S+/", str(message.body))
    assert match, message.body
    return match.group(0).removeprefix("http://127.0.0.1:8000")


def test_it_records_a_pending_signature_and_sends_one_confirmation(petition: Letter) -> None:
    response = sign(Client(), petition)

    assert response.status_code == 302
    assert response["Location"] == f"/letters/{petition.slug}/signed/"
    signature = Signature.objects.get()
    assert signature.level == Level.PENDING
    assert mail.outbox == []  # sent by the worker, not the request
    run_tasks()
    assert [m.to for m in mail.outbox] == [["suzie@example.org"]]
    assert "Confirm your signature" in mail.outbox[0].subject


def test_it_confirms_only_on_post_and_then_counts(petition: Letter) -> None:
    client = Client()
    sign(client, petition)
    run_tasks()
    url = confirm_url(mail.outbox[0])

    page = client.get(url)
    assert page.status_code == 200
    assert "Confirm my signature" in page.text
    assert Signature.objects.get().level == Level.PENDING
    assert client.get(f"/letters/{petition.slug}/count.json").json()["total_signatures"] == 0

    done = client.post(url, HTTP_ORIGIN="http://testserver")
    assert "your signature counts" in done.text
    assert Signature.objects.get().level == Level.CONFIRMED
    assert client.get(f"/letters/{petition.slug}/count.json").json()["total_signatures"] == 1


def test_it_counts_a_signature_once_however_often_it_is_confirmed(petition: Letter) -> None:
    client = Client()
    sign(client, petition)
    run_tasks()
    url = confirm_url(mail.outbox[0])
    client.post(url)
    client.post(url)
    assert client.get(f"/letters/{petition.slug}/count.json").json()["total_signatures"] == 1


def test_it_rejects_a_forged_confirmation_link(petition: Letter) -> None:
    response = Client().post("/confirm/MQ:1xVQcJ:forged/")
    assert response.status_code == 404
    assert "not valid" in response.text


def test_it_records_the_version_and_consent_wording_the_signer_saw(petition: Letter) -> None:
    sign(Client(), petition)
    signature = Signature.objects.get()
    assert signature.letter_version.text_hash == petition.text_hash()
    assert signature.consent_updates
    assert "Open Streets Alliance" in signature.consent_wording
    assert signature.consent_at is not None


def test_it_falls_back_to_the_current_version_for_an_unknown_one(petition: Letter) -> None:
    response = sign(Client(), petition, version="f" * 500)

    assert response.status_code == 302
    assert Signature.objects.get().letter_version.text_hash == petition.text_hash()
