"""Cells of a file a spreadsheet opens (CSV, and any XLSX to come): text a signer or an
organiser wrote must stay text, never run as a formula (OWASP, "CSV Injection").

A spreadsheet takes a cell that starts with = + - or @ for a formula (=HYPERLINK(...)
sends whoever clicks to any site, =WEBSERVICE(...) and DDE calls worse), and one that
starts with a tab or a carriage return is trimmed to whatever follows. Such a cell gets a
single quote in front, which spreadsheets show as nothing and read as "this is text".
The full-width forms of the four signs are treated alike, since some spreadsheets in East
Asian locales read them as the ASCII ones.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_text(value: str) -> str:
    """The value as a cell that a spreadsheet shows as the text it is."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
