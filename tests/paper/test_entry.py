"""The fast entry form: rows numbered as on the sheet, empty ones skipped, ten more at a
press, and nothing saved while any row is wrong."""

from typing import Any

from django.test import Client

from tests.conftest import signed_and_confirmed
from tests.paper.conftest import paper_path
from undersigned.letters.models import Display, Letter
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import Level, PaperBatch, Signature


def rows(*filled: dict[str, Any], total: int = 10, **extra: str) -> dict[str, Any]:
    """The form's data: the management form, the label, and rows by index."""
    data: dict[str, Any] = {
        "label": "Rally, 3 May",
        "rows-TOTAL_FORMS": str(total),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "200",
        **extra,
    }
    for index, row in enumerate(filled):
        for key, value in row.items():
            data[f"rows-{index}-{key}"] = value
    return data


def test_it_shows_ten_numbered_rows_with_the_letter_s_columns(
    owner: Client, petition: Letter
) -> None:
    page = owner.get(paper_path(petition.slug, "enter/"))
    assert page.status_code == 200
    text = page.text
    assert 'name="rows-9-name"' in text and 'name="rows-10-name"' not in text
    for column in ("email", "country", "comment", "hide_name"):
        assert f'name="rows-0-{column}"' in text
    assert 'for="id_rows-2-name">Row 3: Name</label>' in text
    assert 'name="label"' in text and "autofocus" in text


def test_it_enters_the_rows_written_and_skips_the_empty_ones(
    owner: Client, petition: Letter
) -> None:
    data = rows(
        {"name": "Ada Okafor", "email": "ada@example.org", "country": "Nigeria"},
        {},
        {"name": "Bruno Lind", "hide_name": "on"},
    )
    response = owner.post(paper_path(petition.slug, "enter/"), data)
    assert response.status_code == 302
    assert response["Location"] == paper_path(petition.slug)
    batch = PaperBatch.objects.get(letter=petition)
    assert (batch.label, batch.rows) == ("Rally, 3 May", 2)
    signatures = Signature.objects.filter(letter=petition).order_by("pk")
    assert [(s.name, s.display, s.level) for s in signatures] == [
        ("Ada Okafor", Display.FULL, Level.PAPER),
        ("", Display.ANONYMOUS, Level.PAPER),
    ]
    assert letter_count_fresh(petition.pk).total == 2
    listed = owner.get(response["Location"]).text
    assert "2 signatures on paper are entered and counted" in listed
    assert "Rally, 3 May" in listed


def test_it_saves_nothing_and_shows_the_row_s_error_while_a_row_is_wrong(
    owner: Client, petition: Letter
) -> None:
    signed_and_confirmed(petition, "suzie@example.org")
    data = rows(
        {"name": "Ada Okafor"},
        {},
        {"name": "Suzie", "email": "suzie@example.org"},
        {"name": "", "country": "France"},
    )
    response = owner.post(paper_path(petition.slug, "enter/"), data)
    assert response.status_code == 400
    text = response.text
    # Numbered as on the sheet: the empty second row keeps its number.
    assert "Rows 3, 4 cannot be entered" in text
    assert "This address has signed this letter already" in text
    assert "Write the name, or tick “Hide my name”." in text
    assert 'id="id_rows-2-email_error"' in text
    assert 'value="Ada Okafor"' in text  # what was typed stays
    assert not PaperBatch.objects.exists()
    assert Signature.objects.filter(letter=petition).count() == 1


def test_it_adds_ten_rows_and_keeps_what_was_written(owner: Client, petition: Letter) -> None:
    data = rows({"name": "Ada Okafor"}, more="1", label="")
    response = owner.post(paper_path(petition.slug, "enter/"), data)
    assert response.status_code == 200
    assert 'name="rows-19-name"' in response.text
    assert 'value="Ada Okafor"' in response.text
    assert 'name="rows-10-name" autocomplete="off" size="24" autofocus' in response.text
    assert "This field is required." not in response.text  # not checked before saving
    assert not Signature.objects.exists()


def test_it_asks_for_a_label(owner: Client, petition: Letter) -> None:
    response = owner.post(paper_path(petition.slug, "enter/"), rows({"name": "Ada"}, label=""))
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not Signature.objects.exists()


def test_it_says_there_is_nothing_to_enter(owner: Client, petition: Letter) -> None:
    response = owner.post(paper_path(petition.slug, "enter/"), rows())
    assert response.status_code == 400
    assert "There is no signature to enter." in response.text
