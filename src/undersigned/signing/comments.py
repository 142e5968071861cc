"""A moderator's writes on signers' comments: hiding one, or showing one that waits for
approval or was hidden. The signature stays as it is, counted or not; only whether its
comment shows changes, audited in the same transaction.

Nothing cached holds a comment: the signatures are read afresh for each render of a public
page, and the page cache (lib/page_cache.py) keeps a render for LETTER_CACHE_SECONDS at
most, so a change shows within that time, as a hold's does.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record

from .models import CommentState, Signature

# From which states each change may start, where it leaves the comment, and its audit action.
CHANGES = {
    "hide": ((CommentState.SHOWN, CommentState.WAITING), CommentState.HIDDEN, "comment.hide"),
    "show": ((CommentState.WAITING, CommentState.HIDDEN), CommentState.SHOWN, "comment.show"),
}


def comment_hide(
    *, signature: Signature, by: User, request: HttpRequest | None = None
) -> Signature:
    """Hide a comment, shown or waiting, from every page, export and delivery."""
    return _comment_move(signature, "hide", by, request)


def comment_show(
    *, signature: Signature, by: User, request: HttpRequest | None = None
) -> Signature:
    """Approve a comment that waits, or show again one that was hidden."""
    return _comment_move(signature, "show", by, request)


def _comment_move(
    signature: Signature, change: str, by: User, request: HttpRequest | None
) -> Signature:
    starts, end, action = CHANGES[change]
    with transaction.atomic():
        # Claimed with a conditional UPDATE: two moderators acting at once change it once.
        moved = Signature.objects.filter(pk=signature.pk, comment_state__in=starts).update(
            comment_state=end
        )
        if not moved:
            raise ValidationError(
                _("This comment was withdrawn, or a moderator changed it meanwhile."),
                code="state",
            )
        was = signature.comment_state
        signature.comment_state = end
        audit_record(
            action=action,
            actor=by,
            target=signature,
            organisation_id=signature.letter.organisation_id,
            request=request,
            # No comment text: the audit log keeps what was done, not what signers wrote.
            detail={"letter": signature.letter_id, "from": was, "to": end},
        )
    return signature
