"""A logging filter that keeps email addresses and secret tokens out of every log line.

It is installed on the handlers, not on loggers, because a logger's filter does not see
the records its children pass up: every record printed goes through a handler. It edits
the record it is given (its message formatted once, then redacted), so every handler
after it prints the redacted line too.

Names cannot be recognised by their shape; they stay out of logs because no code logs
them, because the queries Django logs at DEBUG are cut before their values, and because
the template contexts Django logs at DEBUG are dropped.
"""

import logging
import re

REDACTED = "[redacted]"

# Whatever has the shape of an address: a name, "@", a domain; also percent-encoded. Each
# match starts where a run of such characters starts, so a long line costs one pass.
_ADDRESS = re.compile(
    r"(?<![^\s@<>()\[\],;:\"'/=?&])[^\s@<>()\[\],;:\"'/=?&]+(?:@|%40)[\w-]+(?:\.[\w-]+)*",
    re.IGNORECASE,
)
# django.core.signing's output: a payload (compressed ones start with "."), perhaps a
# timestamp, and a signature of 43 base64 characters (SHA-256), joined by colons.
_SIGNED = re.compile(r"(?<![\w.-])\.?[\w-]+(?::[\w-]+)?:[\w-]{43}(?![\w-])")
# A path segment that is a token in our URLs and allauth's: what follows these words.
_TOKEN_SEGMENT = re.compile(
    r"(/(?:confirm|signature|unsubscribe|my-data|confirm-email|key|invitations?|reset)/)"
    r"(?!" + re.escape(REDACTED) + r")[^/\s?#\"']+",
    re.IGNORECASE,
)
# An organiser's API token (api/models.py: "usg_" and 43 URL-safe characters).
_API_TOKEN = re.compile(r"usg_[\w-]{20,}")
# The values in a query string: a link's token or an address may sit there.
_QUERY_VALUE = re.compile(r"([?&][\w.-]+=)[^&\s#\"']+")
# The SQL Django logs at DEBUG has its values written in; keep only what comes before them.
_SQL_VALUES = re.compile(r"\s(?:VALUES|WHERE|SET|LIMIT|OFFSET|HAVING)\s.*", re.DOTALL)


def redact(text: str) -> str:
    """The text with every address and token in it replaced by "[redacted]"."""
    text = _TOKEN_SEGMENT.sub(r"\1" + REDACTED, text)
    text = _QUERY_VALUE.sub(r"\1" + REDACTED, text)
    text = _SIGNED.sub(REDACTED, text)
    text = _API_TOKEN.sub(REDACTED, text)
    if "@" not in text and "%40" not in text:
        return text
    return _ADDRESS.sub(REDACTED, text)


class Redact(logging.Filter):
    """Redact every record: its message, and the SQL and the traceback it may carry."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.db.backends") and hasattr(record, "sql"):
            _sql_cut(record)
        if record.name == "django.template":
            # At DEBUG, a variable a template lacks is logged with its whole context in the
            # traceback: the signature, the signatory's name. The message says enough.
            record.exc_info = record.exc_text = None
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _sql_cut(record: logging.LogRecord) -> None:
    """A query as Django logs it, without the values: "(0.001) INSERT INTO … [redacted]"."""
    sql = _SQL_VALUES.sub(" " + REDACTED, str(getattr(record, "sql", "")))
    record.__dict__.update(sql=sql, params=())
    duration = getattr(record, "duration", 0.0)
    record.msg = "(%.3f) %s; alias=%s"
    record.args = (duration, sql, getattr(record, "alias", ""))


class Unremarkable(logging.Filter):
    """Drop the INFO lines that name any of `words`: a round that runs every second or
    so would otherwise print two lines a second, and bury everything else."""

    def __init__(self, words: list[str]) -> None:
        super().__init__()
        self.words = tuple(words)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not any(word in message for word in self.words)
