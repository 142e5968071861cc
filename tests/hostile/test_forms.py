"""Every entry of the hostile corpus through the forms and the API that take input, with the
real views: each is answered 2xx, 3xx or 4xx (never 500), input refused changes nothing,
and what is stored is exactly what was sent (less the surrounding space forms strip)."""

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import ORIGIN, SIGNER
from tests.hostile.corpus import HEADER_INJECTION, INVALID_UTF8, SCRIPT, SHOWN, TEXT, label
from tests.letters.editor_page import form_values
from undersigned.accounts.models import User
from undersigned.deliveries.models import Response
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.abuse import form_started
from undersigned.signing.models import Signature
from undersigned.updates.models import Update

pytestmark = pytest.mark.django_db

# Per kind of letter: a fixture, an address that may sign it, and the text fields its form
# asks for beside the name.
KINDS = {
    "petition": ("petition", "example.org", ["comment"]),
    "academic": ("academic_letter", "inf.ethz.ch", ["affiliation", "title"]),
    "workers": ("workers_letter", "northwind.example", ["department", "location"]),
}


def answered_cleanly(response: Any) -> None:
    assert 200 <= response.status_code < 500, (response.status_code, response.content[:500])


def signature_count() -> int:
    return Signature.objects.count()


def sign_form(letter: Letter, email: str, **fields: str) -> dict[str, str]:
    return {
        **SIGNER,
        "email": email,
        "version": letter.text_hash(),
        "started": form_started(),
        **fields,
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("entry", TEXT, ids=label)
def test_the_sign_form_stores_hostile_text_as_sent_or_refuses_it(
    request: pytest.FixtureRequest, kind: str, entry: str
) -> None:
    fixture, domain, fields = KINDS[kind]
    letter: Letter = request.getfixturevalue(fixture)
    email = f"hostile.{abs(hash(entry)) % 10**8}@{domain}"
    display = "full" if letter.allow_full_name else "initials"
    form = sign_form(
        letter, email, name=entry, display=display, **{field: entry for field in fields}
    )
    if kind != "petition":  # news goes to a personal address, never to work
        form["contact_email"] = email.replace(f"@{domain}", "@example.net")
    before = signature_count()

    response = Client().post(f"/letters/{letter.slug}/sign/", form, HTTP_ORIGIN=ORIGIN)

    answered_cleanly(response)
    if entry in SHOWN:  # text a person might write: kept, to be shown as text
        assert response.status_code == 302, response.content[:2000]
    if response.status_code != 302:
        assert response.status_code == 400
        assert signature_count() == before
        return
    signature = Signature.objects.get(letter=letter, email=email)
    for field in fields:
        assert getattr(signature, field) == entry.strip()
    if letter.allow_full_name:
        assert signature.name == entry.strip()


@pytest.mark.parametrize("entry", HEADER_INJECTION, ids=label)
def test_an_address_hiding_a_header_is_refused_and_sent_nothing(
    petition: Letter, entry: str
) -> None:
    response = Client().post(
        f"/letters/{petition.slug}/sign/", sign_form(petition, entry), HTTP_ORIGIN=ORIGIN
    )

    assert response.status_code == 400
    assert signature_count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("raw", INVALID_UTF8, ids=label)
def test_invalid_utf8_in_a_urlencoded_body_is_answered_cleanly(
    petition: Letter, raw: bytes
) -> None:
    form = sign_form(petition, "bytes@example.org")
    body = urlencode({k: v for k, v in form.items() if k != "name"}).encode()
    body += b"&name=" + raw + b"&comment=" + raw

    response = Client().post(
        f"/letters/{petition.slug}/sign/",
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN=ORIGIN,
    )

    answered_cleanly(response)
    for signature in Signature.objects.all():
        signature.name.encode("utf-8")  # whatever is kept is valid text
        assert "\x00" not in signature.name


@pytest.mark.parametrize("entry", TEXT + HEADER_INJECTION, ids=label)
def test_the_manage_link_form_answers_any_address_cleanly(petition: Letter, entry: str) -> None:
    before = signature_count()

    response = Client().post(
        f"/letters/{petition.slug}/manage/", {"email": entry}, HTTP_ORIGIN=ORIGIN
    )

    answered_cleanly(response)
    assert signature_count() == before
    assert all("Bcc" not in str(message.message()) for message in mail.outbox)


@pytest.mark.parametrize("entry", TEXT + HEADER_INJECTION, ids=label)
def test_the_data_request_form_answers_any_address_cleanly(entry: str) -> None:
    response = Client().post("/my-data/", {"email": entry}, HTTP_ORIGIN=ORIGIN)

    answered_cleanly(response)
    assert all("Bcc" not in str(message.message()) for message in mail.outbox)


@pytest.mark.parametrize("entry", TEXT, ids=label)
def test_the_api_answers_hostile_paths_and_queries_with_json_or_404(
    petition: Letter, entry: str
) -> None:
    client = Client()
    listing = client.get("/api/v1/petitions/?" + urlencode({"q": entry, "cursor": entry}))
    sized = client.get("/api/v1/petitions/?" + urlencode({"per_page": entry}))
    signatures = f"/api/v1/petitions/{petition.slug}/signatures/?"
    paged = client.get(signatures + urlencode({"cursor": entry, "per_page": entry}))
    detail = client.get("/api/v1/petitions/" + quote(entry[:2000], safe="") + "/")

    # No letter has such an address: a 404, or a 422 where it is no slug at all.
    assert detail.status_code in (404, 422)
    if detail.status_code == 422:
        assert json.loads(detail.content)["detail"]
    for answer in (listing, sized, paged):
        answered_cleanly(answer)
        assert json.loads(answer.content)  # whole, valid JSON, an error's as well


@pytest.mark.parametrize("entry", TEXT, ids=label)
def test_an_update_keeps_hostile_text_as_written_or_refuses_it(
    petition: Letter, organiser: User, entry: str
) -> None:
    client = Client()
    client.force_login(organiser)

    response = client.post(
        f"/dashboard/letters/{petition.slug}/updates/new/",
        {"subject": entry, "body": entry},
    )

    answered_cleanly(response)
    if entry in SHOWN:
        assert response.status_code == 302
    if response.status_code == 302:
        update = Update.objects.get(letter=petition)
        assert update.subject == entry.strip()
        assert update.body.strip() == entry.strip()
        answered_cleanly(client.get(response["Location"]))
    else:
        assert not Update.objects.exists()


@pytest.mark.parametrize("entry", TEXT + HEADER_INJECTION, ids=label)
def test_signup_and_login_answer_any_input_cleanly(entry: str) -> None:
    users = User.objects.count()
    client = Client()

    signup = client.post(
        "/accounts/signup/", {"email": entry, "password1": entry, "password2": entry}
    )
    login = client.post("/accounts/login/", {"login": entry, "password": entry})

    answered_cleanly(signup)
    answered_cleanly(login)
    if signup.status_code != 302:
        assert User.objects.count() == users


NEW_LETTER = "/dashboard/organisations/open-streets-alliance/letters/new/"


@pytest.mark.parametrize("entry", TEXT, ids=label)
def test_the_letter_editor_keeps_hostile_text_as_written_or_refuses_it(
    organisation: Organisation, organiser: User, entry: str
) -> None:
    client = Client()
    client.force_login(organiser)
    values = form_values(client.get(NEW_LETTER))
    values.update(
        {
            "title": entry,
            "body": entry,
            "demands": entry,
            "pledge": entry,
            "targets-0-name": entry,
            "targets-0-role": entry,
            "targets-0-organisation": entry,
        }
    )
    letters = Letter.objects.count()

    response = client.post(NEW_LETTER, values)

    answered_cleanly(response)
    if entry in SHOWN:
        assert response.status_code == 302, response.content[:3000]
    if response.status_code != 302:
        assert Letter.objects.count() == letters
        return
    letter = Letter.objects.get(organisation=organisation)
    assert letter.title == entry.strip()
    assert letter.body.strip() == entry.strip()
    [target] = letter.targets.all()
    assert (target.name, target.role) == (entry.strip(), entry.strip())
    answered_cleanly(client.get(f"/dashboard/letters/{letter.slug}/preview/"))


@pytest.mark.parametrize("entry", TEXT, ids=label)
def test_a_response_keeps_hostile_text_as_written_or_refuses_it(
    petition: Letter, organiser: User, entry: str
) -> None:
    client = Client()
    client.force_login(organiser)
    target = petition.targets.get()

    response = client.post(
        f"/dashboard/letters/{petition.slug}/responses/new/",
        {"target": target.pk, "responded_on": "2026-01-02", "text": entry, "source_url": ""},
    )

    answered_cleanly(response)
    if entry in SHOWN:
        assert response.status_code == 302, response.content[:3000]
    if response.status_code == 302:
        assert Response.objects.get(letter=petition).text.strip() == entry.strip()
        answered_cleanly(Client().get(f"/letters/{petition.slug}/"))
    else:
        assert not Response.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["javascript:window.__pwned=1", "data:text/html,<script>alert(1)</script>", *SCRIPT[:2]],
    ids=label,
)
def test_a_responses_source_is_a_web_address_or_refused(
    petition: Letter, organiser: User, url: str
) -> None:
    client = Client()
    client.force_login(organiser)

    response = client.post(
        f"/dashboard/letters/{petition.slug}/responses/new/",
        {
            "target": petition.targets.get().pk,
            "responded_on": "2026-01-02",
            "text": "We will.",
            "source_url": url,
        },
    )

    assert response.status_code in (200, 400)
    assert not Response.objects.exists()
