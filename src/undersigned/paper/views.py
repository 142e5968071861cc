"""The organiser's pages for signatures on paper: the batches, the sheet to print, the
entry form, the CSV upload and its template, and removing a batch."""

import csv
import io
from collections.abc import Mapping

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from undersigned.letters.access import letter_for_member
from undersigned.letters.models import Letter
from undersigned.organisations.access import Action, OrganiserRequest, may
from undersigned.signing.models import PaperBatch, Signature
from undersigned.signing.paper import (
    PaperRowsRefused,
    paper_batch_record,
    paper_batch_remove,
    paper_rows_check,
    refusal_summary,
)

from .columns import paper_columns
from .csv_rows import CsvRefused, csv_rows
from .forms import ROWS_MAX, BatchForm, CsvForm, rows_formset


@login_required
@never_cache
def letter_paper(request: OrganiserRequest, slug: str) -> HttpResponse:
    """The letter's paper batches, and the ways to add one (to those who may)."""
    letter, role = letter_for_member(request, slug)
    batches = letter.paper_batches.select_related("entered_by", "removed_by").order_by(
        "-created_at", "-pk"
    )
    on_count = Signature.objects.counted().on_paper().filter(letter=letter).count()
    # The sheet's module brings fpdf2 and its fonts: loaded by the pages that need them,
    # not by every web process and worker that loads the URL conf.
    from .sheet import MAX_PAGES

    context = {
        "letter": letter,
        "batches": batches,
        "on_count": on_count,
        "can_edit": may(role, Action.EDIT),
        "max_pages": MAX_PAGES,
    }
    return render(request, "paper/manage.html", context)


@login_required
@never_cache
def paper_sheet(request: OrganiserRequest, slug: str) -> HttpResponse:
    """The sign-up sheet's PDF, in the letter's language."""
    letter, _role = letter_for_member(request, slug)
    try:
        pages = int(request.GET.get("pages", 1))
    except ValueError:
        pages = 1
    from .sheet import sheet_for, sheet_write

    url = settings.BASE_URL + _letter_path(letter)
    out = io.BytesIO()
    with translation.override(letter.language):
        sheet_write(sheet_for(letter, url=url, pages=pages), out)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letter.slug}-sign-up-sheet.pdf"'
    return response


def _letter_path(letter: Letter) -> str:
    """The letter's page in its own language, which the sheet is in."""
    with translation.override(letter.language):
        return letter.get_absolute_url()


@login_required
@never_cache
def paper_enter(request: OrganiserRequest, slug: str) -> HttpResponse:
    """The fast entry form: rows numbered as on the sheet, ten more at a press."""
    letter, _role = letter_for_member(request, slug, Action.EDIT)
    if request.method != "POST":
        context = {"form": BatchForm(), "formset": rows_formset(letter)}
        return _entry_page(request, letter, context)
    form = BatchForm(request.POST)
    more = "more" in request.POST
    formset = rows_formset(letter, request.POST, more=more)
    if more:
        # Not checked yet: the label may come last.
        label = BatchForm(initial={"label": request.POST.get("label", "")}, focus=False)
        return _entry_page(request, letter, {"form": label, "formset": formset})
    if form.is_valid() and formset.is_valid():
        filled = formset.filled()
        try:
            batch = paper_batch_record(
                letter=letter,
                rows=[row for _form, row in filled],
                entered_by=request.user,
                label=form.cleaned_data["label"],
                request=request,
            )
        except PaperRowsRefused as refused:
            formset.refusals_show(refused.rows)
            form.add_error(None, refusal_summary(refused.rows))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _recorded(request, letter, batch)
    context = {"form": form, "formset": formset}
    return _entry_page(request, letter, context, status=400)


def _entry_page(
    request: OrganiserRequest, letter: Letter, context: Mapping[str, object], status: int = 200
) -> HttpResponse:
    context = {**context, "letter": letter, "rows_max": ROWS_MAX}
    return render(request, "paper/enter.html", context, status=status)


def _recorded(request: OrganiserRequest, letter: Letter, batch: PaperBatch) -> HttpResponse:
    messages.success(
        request,
        ngettext(
            "%(count)s signature on paper is entered and counted, in the batch “%(label)s”.",
            "%(count)s signatures on paper are entered and counted, in the batch “%(label)s”.",
            batch.rows,
        )
        % {"count": batch.rows, "label": batch.label},
    )
    return redirect("letter_paper", slug=letter.slug)


@login_required
@never_cache
def paper_upload(request: OrganiserRequest, slug: str) -> HttpResponse:
    """Paper signatures from a CSV file: all of its rows, or none if any is wrong."""
    letter, _role = letter_for_member(request, slug, Action.EDIT)
    form = CsvForm(request.POST or None, request.FILES or None)
    row_errors: list[tuple[int, list[str]]] = []
    if form.is_valid():
        try:
            read = csv_rows(form.cleaned_data["file"].read(), letter)
            errors = read.errors | paper_rows_check(letter=letter, rows=read.rows)
            if errors:
                raise PaperRowsRefused(errors)
            batch = paper_batch_record(
                letter=letter,
                rows=read.rows,
                entered_by=request.user,
                label=form.cleaned_data["label"],
                request=request,
            )
        except PaperRowsRefused as refused:
            form.add_error(None, refusal_summary(refused.rows))
            row_errors = _listed(refused.rows, letter)
        except (CsvRefused, ValidationError) as error:
            form.add_error(None, error)
        else:
            return _recorded(request, letter, batch)
    context = {
        "letter": letter,
        "form": form,
        "row_errors": row_errors,
        "columns": paper_columns(letter),
    }
    return render(request, "paper/upload.html", context, status=400 if form.errors else 200)


def _listed(errors: dict[int, dict[str, list[str]]], letter: Letter) -> list[tuple[int, list[str]]]:
    """Each wrong row's errors in one list, each naming its column as the header does."""
    labels = {column.key: column.key for column in paper_columns(letter)}
    labels["display"] = "hide_name"
    listed = []
    for number in sorted(errors):
        lines = []
        for field, messages_ in errors[number].items():
            column = labels.get(field)
            for message in messages_:
                lines.append(f"{column}: {message}" if column else message)
        listed.append((number, lines))
    return listed


@login_required
@never_cache
def paper_template(request: OrganiserRequest, slug: str) -> HttpResponse:
    """An empty CSV file with the letter's columns, to fill in a spreadsheet."""
    letter, _role = letter_for_member(request, slug)
    out = io.StringIO()
    out.write("\ufeff")  # so that a spreadsheet opens it as UTF-8
    csv.writer(out).writerow([column.key for column in paper_columns(letter)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{letter.slug}-paper.csv"'
    return response


@login_required
@never_cache
def paper_remove(request: OrganiserRequest, slug: str, pk: int) -> HttpResponse:
    """Ask, then remove a batch: its signatures leave the count, the batch stays listed."""
    letter, _role = letter_for_member(request, slug, Action.EDIT)
    batch = get_object_or_404(
        PaperBatch.objects.select_related("letter__organisation"), pk=pk, letter=letter
    )
    if request.method == "POST":
        try:
            off_count = paper_batch_remove(batch=batch, removed_by=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "The batch “%(label)s” is removed: %(count)s signature left the count.",
                    "The batch “%(label)s” is removed: %(count)s signatures left the count.",
                    off_count,
                )
                % {"label": batch.label, "count": off_count},
            )
        return redirect("letter_paper", slug=letter.slug)
    on_count = batch.signatures.counted().count()
    context = {"letter": letter, "batch": batch, "on_count": on_count}
    return render(request, "paper/remove.html", context)
