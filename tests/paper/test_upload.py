"""Paper signatures from a CSV file: commas or semicolons, with or without a byte order
mark, every row or none, and errors that name the spreadsheet's rows."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.paper.conftest import paper_path
from undersigned.letters.models import Display, Letter
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import PaperBatch, Signature


def upload(client: Client, letter: Letter, content: bytes, label: str = "Rally, 3 May"):
    data = {"label": label, "file": SimpleUploadedFile("sheet.csv", content, "text/csv")}
    return client.post(paper_path(letter.slug, "upload/"), data)


def names(letter: Letter) -> list[str]:
    return list(
        Signature.objects.filter(letter=letter).order_by("pk").values_list("name", flat=True)
    )


def test_it_enters_every_row_of_a_good_file(owner: Client, petition: Letter) -> None:
    content = (
        b"name,email,country,comment,hide_name\n"
        b"Ada Okafor,ada@example.org,Nigeria,,\n"
        b",,,,\n"
        b'"Lind, Bruno",,Sweden,"Two lines,\nof comment",yes\n'
    )
    response = upload(owner, petition, content)
    assert response.status_code == 302
    assert names(petition) == ["Ada Okafor", ""]
    hidden = Signature.objects.get(letter=petition, country="Sweden")
    assert (hidden.display, hidden.comment) == (Display.ANONYMOUS, "Two lines,\nof comment")
    assert PaperBatch.objects.get(letter=petition).rows == 2
    assert letter_count_fresh(petition.pk).total == 2


def test_it_reads_a_file_with_a_byte_order_mark_and_semicolons(
    owner: Client, petition: Letter
) -> None:
    content = "\ufeffName;E-mail;Country\r\nZoë Ñúñez;zoe@example.org;España\r\nÅsa;;\r\n"
    response = upload(owner, petition, content.encode("utf-8"))
    assert response.status_code == 302
    assert names(petition) == ["Zoë Ñúñez", "Åsa"]
    assert Signature.objects.get(name="Zoë Ñúñez").country == "España"


def test_it_saves_nothing_and_names_each_wrong_row(owner: Client, petition: Letter) -> None:
    content = (
        b"name,email,hide_name\n"
        b"Ada Okafor,ada@example.org,\n"
        b"Bruno,not-an-address,\n"
        b"Chen,ada@example.org,\n"
        b"Dee,,perhaps\n"
    )
    response = upload(owner, petition, content)
    assert response.status_code == 400
    text = response.text
    assert "Rows 3, 4, 5 cannot be entered" in text
    assert "Row 3: email: Enter a valid email address." in text
    assert "Row 4: email: This address is on row 2 too." in text
    assert "Row 5: hide_name: Write “yes” (or x) to hide the name" in text
    assert not Signature.objects.exists()
    assert not PaperBatch.objects.exists()


def test_it_refuses_a_file_not_in_utf8(owner: Client, petition: Letter) -> None:
    response = upload(owner, petition, "name\nZoë\n".encode("latin-1"))
    assert response.status_code == 400
    assert "The file is not in UTF-8." in response.text
    assert not Signature.objects.exists()


def test_it_refuses_a_column_the_letter_does_not_ask_for(owner: Client, petition: Letter) -> None:
    response = upload(owner, petition, b"name,postal_code\nAda,75011\n")
    assert response.status_code == 400
    assert "The file has a column “postal_code” this letter does not ask for." in response.text
    assert not Signature.objects.exists()


def test_it_refuses_a_file_without_the_name_column(owner: Client, petition: Letter) -> None:
    response = upload(owner, petition, b"email\nada@example.org\n")
    assert response.status_code == 400
    assert "The file needs a column “name”" in response.text


def test_it_refuses_a_value_under_no_column(owner: Client, petition: Letter) -> None:
    response = upload(owner, petition, b"name,email\nAda,,stray\n")
    assert response.status_code == 400
    assert "Row 2: It has a value, “stray”, in a column without a name." in response.text
    assert not Signature.objects.exists()


def test_it_offers_a_template_with_the_letter_s_columns(owner: Client, petition: Letter) -> None:
    response = owner.get(paper_path(petition.slug, "template.csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8") == "\ufeffname,email,country,comment,hide_name\r\n"


def test_it_reads_back_its_own_template(owner: Client, petition: Letter) -> None:
    template = owner.get(paper_path(petition.slug, "template.csv")).content
    response = upload(owner, petition, template + b"Ada,,,,\r\n")
    assert response.status_code == 302
    assert names(petition) == ["Ada"]


def test_it_shows_the_form_with_the_letter_s_columns(owner: Client, petition: Letter) -> None:
    page = owner.get(paper_path(petition.slug, "upload/")).text
    assert 'enctype="multipart/form-data"' in page
    assert "<code>country</code>" in page and "<code>postal_code</code>" not in page
