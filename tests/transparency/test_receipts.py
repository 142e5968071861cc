"""A signer's receipt: reached through their own link, checkable with the public endpoints
alone, and telling what became of the signature since."""

import json
import re

from django.conf import settings
from django.template import Context, Template
from django.test import Client

from tests.conftest import make_letter, sign_and_confirm, signed_and_confirmed
from tests.transparency.conftest import (
    PublicLog,
    commitment,
    fold,
    head_verifies,
    keys,
    leaf,
)
from undersigned.letters.models import Letter
from undersigned.lib import merkle
from undersigned.organisations.models import Organisation
from undersigned.signing.holds import signature_invalidate
from undersigned.signing.models import Signature
from undersigned.signing.signatures import signature_withdraw
from undersigned.transparency.receipts import receipt_path, receipt_token


def receipt_link(signature: Signature) -> str:
    html = Template("{% load transparency %}{% receipt_link signature %}").render(
        Context({"signature": signature})
    )
    match = re.search(r'href="([^"]+)"', html)
    return match.group(1) if match else ""


def downloaded(path: str) -> dict:
    response = Client().get(f"{path}receipt.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="receipt-')
    return json.loads(response.content)


def test_it_links_the_receipt_from_the_signers_page(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "ana@example.org")
    assert receipt_link(signature) == receipt_path(signature.pk)
    assert receipt_link(signature).startswith("/receipt/")


def test_it_gives_an_email_the_whole_address_of_the_receipt(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "ana@example.org")
    url = Template("{% load transparency %}{% receipt_url signature %}").render(
        Context({"signature": signature})
    )
    assert url == settings.BASE_URL + receipt_path(signature.pk)


def test_it_says_the_receipt_comes_in_a_moment_until_the_entry_is_appended(
    petition: Letter,
) -> None:
    signature = signed_and_confirmed(petition, "ana@example.org")
    page = Client().get(receipt_path(signature.pk))
    assert page.status_code == 200
    assert "not in the letter's public log yet" in page.text
    assert Client().get(f"{receipt_path(signature.pk)}receipt.json").status_code == 404


def test_a_signer_checks_their_receipt_with_the_public_endpoints_alone(petition: Letter) -> None:
    signed_and_confirmed(petition, "ben@example.org")
    fold()
    signature, _page = sign_and_confirm(petition, "ana@example.org")
    fold()
    signed_and_confirmed(petition, "chen@example.org")
    fold()

    page = Client().get(receipt_path(signature.pk))
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    assert page["Referrer-Policy"] == "strict-origin"
    receipt = downloaded(receipt_path(signature.pk))
    assert receipt["salt"] in page.text
    assert receipt["index"] == 1

    # The commitment opens with the salt, the log's name and the signature's id.
    entry = json.loads(receipt["entry"])
    assert entry["commitment"] == receipt["commitment"]
    assert (
        commitment(receipt["salt"], receipt["log"], receipt["signature_id"]) == entry["commitment"]
    )
    assert leaf(receipt["entry"]).hex() == receipt["leaf_hash"]
    # The head at that time signed it, and the latest head still holds it.
    head = receipt["head"]
    assert head["size"] == 2
    assert head_verifies(head, keys())
    assert merkle.verify_inclusion(
        leaf(receipt["entry"]),
        receipt["index"],
        head["size"],
        merkle.inclusion_proof(receipt["index"], head["size"], _public_nodes(petition)),
        bytes.fromhex(head["root"]),
    )
    log = PublicLog(petition)
    latest = log.head()
    assert latest["size"] == 3
    assert log.inclusion_verifies(receipt["index"], latest)
    assert log.consistency_verifies(head, latest)
    assert receipt["endpoints"]["inclusion_proof_now"].endswith(
        f"/letters/{petition.slug}/log/proof/inclusion.json?index=1&size=3"
    )
    assert receipt["later"] == []


def _public_nodes(letter: Letter) -> merkle.MemoryNodes:
    """A tree rebuilt from the public entries alone."""
    log = PublicLog(letter)
    leaves = [leaf(entry["entry"]) for entry in log.entries(log.head()["size"])]
    nodes = merkle.MemoryNodes()
    nodes.put_many(merkle.frontier_append(merkle.Frontier(), leaves).nodes)
    return nodes


def test_it_shows_the_entry_that_withdrew_the_signature_and_when(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "ana@example.org")
    fold()
    path = receipt_path(signature.pk)
    signature_withdraw(signature_id=signature.pk)
    fold()

    page = Client().get(path)
    assert page.status_code == 200
    assert "What became of your signature since" in page.text
    assert "Withdrawn" in page.text
    receipt = downloaded(path)
    [later] = receipt["later"]
    withdrawal = json.loads(later["entry"])
    assert withdrawal["kind"] == "withdrawn"
    assert withdrawal["total_delta"] == -1
    assert withdrawal["commitment"] == receipt["commitment"]
    log = PublicLog(petition)
    assert log.inclusion_verifies(later["index"], log.head())


def test_it_shows_an_invalidation(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "ana@example.org")
    fold()
    signature_invalidate(signature_id=signature.pk)
    fold()
    page = Client().get(receipt_path(signature.pk))
    assert "Invalidated" in page.text
    assert [
        json.loads(e["entry"])["kind"] for e in downloaded(receipt_path(signature.pk))["later"]
    ] == ["invalidated"]


def test_it_refuses_a_link_not_ours(petition: Letter) -> None:
    signature = signed_and_confirmed(petition, "ana@example.org")
    token = receipt_token(signature.pk)
    for bad in (token[:-2] + "xx", "nonsense", receipt_token(signature.pk + 999)):
        response = Client().get(f"/receipt/{bad}/")
        assert response.status_code == 404
        assert "This link is not valid." in response.text


def test_it_keeps_a_stepped_letters_receipt_to_itself(organisation: Organisation) -> None:
    stepped = make_letter(organisation, slug="stepped", count_step=10)
    signature = signed_and_confirmed(stepped, "ana@example.org")
    fold()
    assert receipt_link(signature) == ""
    page = Client().get(receipt_path(signature.pk))
    assert page.status_code == 200
    assert "This letter's log is not published" in page.text
    assert "salt" not in page.text.lower()
    assert Client().get(f"{receipt_path(signature.pk)}receipt.json").status_code == 404
