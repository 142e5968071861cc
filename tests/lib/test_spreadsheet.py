"""Cells a spreadsheet opens keep a person's text as text (lib/spreadsheet.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from undersigned.lib.spreadsheet import FORMULA_STARTS, spreadsheet_text


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil.example")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "\uff1d1+1"],
)
def test_it_quotes_a_cell_a_spreadsheet_would_run(value: str) -> None:
    assert spreadsheet_text(value) == "'" + value


@given(st.text().filter(lambda text: not text.startswith(FORMULA_STARTS)))
def test_it_leaves_any_other_text_as_it_is(text: str) -> None:
    assert spreadsheet_text(text) == text


@given(st.sampled_from(FORMULA_STARTS), st.text())
def test_a_quoted_cell_keeps_the_whole_text_after_the_quote(start: str, rest: str) -> None:
    assert spreadsheet_text(start + rest)[1:] == start + rest
