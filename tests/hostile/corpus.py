"""Hostile input (issue 10): what an attacker types into every field. Each text entry must
be stored as written (or refused with a clear answer) and shown as text, never run.

Entries that run script call `window.__pwned` or `alert`, so a browser test can tell.
"""

# Markup that runs script if a page lets it through: tags, event handlers, URLs.
SCRIPT = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '"><svg onload=window.__pwned=1>',
    "'><iframe src=javascript:window.__pwned=1></iframe>",
    '<a href="javascript:window.__pwned=1">click</a>',
    "<style>body{background:url(javascript:window.__pwned=1)}</style>",
    "</textarea><script>alert(1)</script>",
    "{{ 7*7 }} {% debug %} ${7*7}",
    "<b>bold</b> &lt;escaped&gt; &amp;",
]
SQL = ["'; DROP TABLE signing_signature; --", "Robert'); DELETE FROM letters_letter;--", "1 OR 1=1"]
UNICODE = [
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 Zero\u200dwidth joiners",  # kept
    "Emoji 👩🏽‍🔬🏳️‍🌈 ✊🏾",
    "Combining a\u0301\u0301\u0301\u0301 Zalgo",
    "日本語の名前 · العربية · עברית",
]
# Invisible format characters: a right-to-left override makes "txt.exe" read "exe.txt";
# the sign form refuses them (its names are shown to the public), other forms may keep them.
INVISIBLE = ["Noor \u202etxt.exe\u202c", "Zero\u200bwidth\u2060space", "\ufeffBOM"]
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
# Characters no text field should keep: refused (NUL) or answered cleanly.
CONTROL = ["nul\x00byte", "bell\x07 escape\x1b[31m red", "line\r\nbreak"]
HUGE = ["A" * 1_000_000]
# A second header hidden in an address.
HEADER_INJECTION = [
    "a@b.org\r\nBcc: x@y.org",
    "a@b.org\nBcc: x@y.org",
    "a@b.org%0d%0aBcc:x@y.org",
    'x@y.org>, "Eve" <eve@evil.example',
]
# Invalid UTF-8, sent as raw bytes in a urlencoded body.
INVALID_UTF8 = [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]

# Every text entry, for a field that takes text.
TEXT = SCRIPT + SQL + UNICODE + INVISIBLE + FORMULAS + CONTROL + HUGE
# What a page shows as it was typed (short enough to fit any field).
SHOWN = SCRIPT + SQL + UNICODE + FORMULAS


def label(entry: str | bytes) -> str:
    """A short, readable id for a test parameter."""
    text = entry if isinstance(entry, str) else entry.hex()
    return text[:24].encode("unicode_escape").decode() + (f"…{len(text)}" if len(text) > 24 else "")
