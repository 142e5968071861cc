"""The signing key: kept encrypted, rotated by the operator, and every old head still
verifiable against the old public key, which stays published."""

import io
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import signed_and_confirmed
from tests.signing.conftest import cells_containing
from tests.transparency.conftest import PublicLog, fold, head_verifies, keys
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import Letter
from undersigned.transparency.keys import KeyUnreadable, _private_keys, key_current, private_key
from undersigned.transparency.models import SigningKey, TreeHead


def transparency(*args: str) -> str:
    out = io.StringIO()
    call_command("transparency", *args, stdout=out)
    return out.getvalue()


def test_it_rotates_the_key_and_keeps_every_old_head_verifiable(petition: Letter) -> None:
    signed_and_confirmed(petition, "ana@example.org")
    fold()
    old = key_current()
    said = transparency("rotate-key")
    new = key_current()
    assert new.key_id != old.key_id
    assert f"New signing key {new.key_id}" in said
    signed_and_confirmed(petition, "ben@example.org")
    fold()

    published = keys()
    assert published[old.key_id]["retired"] is not None
    assert published[new.key_id]["retired"] is None
    log = PublicLog(petition)
    first, second = log.heads()
    assert (first["key_id"], second["key_id"]) == (old.key_id, new.key_id)
    assert head_verifies(first, published) and head_verifies(second, published)
    assert log.consistency_verifies(first, second)
    # Each head was signed while its key was the current one.
    old.refresh_from_db()
    assert old.retired_at is not None
    assert first["timestamp"] <= old.retired_at.timestamp() * 1000 <= second["timestamp"]
    assert AuditEntry.objects.filter(action="transparency.key_rotate").count() == 1


def test_it_lists_the_keys(petition: Letter) -> None:
    signed_and_confirmed(petition, "ana@example.org")
    fold()
    transparency("rotate-key")
    lines = transparency("keys").splitlines()
    assert len(lines) == 2
    assert "retired" in lines[0] and lines[1].endswith("current")


def test_it_keeps_the_private_key_encrypted_under_the_secret_key(petition: Letter) -> None:
    signed_and_confirmed(petition, "ana@example.org")
    fold()
    key = SigningKey.objects.get()
    raw = private_key(key).private_bytes_raw()
    assert raw not in bytes(key.private_key)
    assert cells_containing(raw.hex()) == []


def test_it_signs_nothing_with_a_key_stored_under_another_secret_key(
    petition: Letter, settings: Any
) -> None:
    signed_and_confirmed(petition, "ana@example.org")
    fold()
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "another secret key, as after a careless restore"
    _private_keys.clear()
    signed_and_confirmed(petition, "ben@example.org")
    with pytest.raises(KeyUnreadable, match="rotate-key"):
        fold()
    assert TreeHead.objects.count() == 1

    # Read again with the old secret among the fallbacks.
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    fold()
    assert TreeHead.objects.count() == 2

    # Or a new key, the unreadable one retired without being read.
    settings.SECRET_KEY_FALLBACKS = []
    _private_keys.clear()
    transparency("rotate-key")
    signed_and_confirmed(petition, "chen@example.org")
    fold()
    published = keys()
    assert all(head_verifies(head, published) for head in PublicLog(petition).heads())
