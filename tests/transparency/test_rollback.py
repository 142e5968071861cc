"""A backup restored over a later log is caught by anyone who kept a later head: the log
is smaller than a head it signed, or it no longer begins with that head's tree."""

from dataclasses import dataclass
from typing import Any

from django.db.models import F

from tests.conftest import signed_and_confirmed
from tests.transparency.conftest import PublicLog, fold, get_json, head_verifies, keys, log_path
from undersigned.letters.models import Letter
from undersigned.signing.counts import counts_reconcile
from undersigned.signing.models import Signature, SignatureEvent
from undersigned.transparency.models import LogEntry, LogFeed, LogNode, LogState, TreeHead


@dataclass
class Backup:
    state: dict[str, Any]
    feed: dict[str, Any]
    last_event: int
    last_signature: int


def backup(letter: Letter) -> Backup:
    return Backup(
        state=dict(LogState.objects.filter(letter=letter).values().get()),
        feed=dict(LogFeed.objects.values().get()),
        last_event=SignatureEvent.objects.order_by("-pk").values_list("pk", flat=True)[0],
        last_signature=Signature.objects.order_by("-pk").values_list("pk", flat=True)[0],
    )


def restore(letter: Letter, kept: Backup) -> None:
    """What restoring the backup leaves: every row written since, gone."""
    size = kept.state["size"]
    LogEntry.objects.filter(letter=letter, index__gte=size).delete()
    nodes = LogNode.objects.annotate(end=(F("index") + 1) * (2 ** F("level")))
    nodes.filter(letter=letter, end__gt=size).delete()
    TreeHead.objects.filter(letter=letter, size__gt=size).delete()
    LogState.objects.filter(letter=letter).update(**kept.state)
    LogFeed.objects.update(**kept.feed)
    SignatureEvent.objects.filter(pk__gt=kept.last_event).delete()
    Signature.objects.filter(pk__gt=kept.last_signature).delete()
    counts_reconcile(repair=True)


def sign_many(letter: Letter, prefix: str, count: int) -> None:
    for n in range(count):
        signed_and_confirmed(letter, f"{prefix}{n}@example.org")
    fold()


def test_a_kept_head_larger_than_the_log_shows_it_was_rolled_back(petition: Letter) -> None:
    sign_many(petition, "early", 3)
    kept_backup = backup(petition)
    sign_many(petition, "later", 4)
    kept = PublicLog(petition).head()
    assert kept["size"] == 7

    restore(petition, kept_backup)
    latest = PublicLog(petition).head()
    assert latest["size"] == 3 < kept["size"]
    assert head_verifies(kept, keys())  # what the instance signed before, it cannot deny
    refused = get_json(
        log_path(petition, f"proof/consistency.json?first=3&second={kept['size']}"), status=400
    )
    assert refused["error"] == "bad_request"


def test_a_kept_head_the_regrown_log_does_not_begin_with_shows_it_was_rolled_back(
    petition: Letter,
) -> None:
    sign_many(petition, "early", 3)
    kept_backup = backup(petition)
    sign_many(petition, "later", 2)
    kept = PublicLog(petition).head()

    restore(petition, kept_backup)
    sign_many(petition, "other", 4)  # the log grows past the kept head again
    log = PublicLog(petition)
    latest = log.head()
    assert latest["size"] == 7 > kept["size"]
    assert head_verifies(latest, keys()) and head_verifies(kept, keys())
    assert not log.consistency_verifies(kept, latest)
    # Heads from before the backup still lead to the new one: only the lost part differs.
    assert log.consistency_verifies(log.heads()[0], latest)
