"""Whatever signers do, and however the round batches it, the public log proves itself:
every head verifies, holds each of its entries, and begins every later head; and once the
round caught up, the latest head adds up to the count."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_letter, signed_and_confirmed
from tests.transparency.conftest import PublicLog, get_json, head_verifies, keys
from undersigned.organisations.models import Organisation
from undersigned.signing.holds import signature_invalidate
from undersigned.signing.signatures import signature_withdraw
from undersigned.transparency.appending import log_fold

people = itertools.count()

# What happens next: someone signs, a signer withdraws or is invalidated (the n-th
# signature still counted, from the oldest), or the round appends in batches of b.
steps = st.lists(
    st.one_of(
        st.just(("sign", 0)),
        st.tuples(st.sampled_from(["withdraw", "invalidate"]), st.integers(0, 5)),
        st.tuples(st.just("append"), st.integers(1, 4)),
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_the_public_log_proves_itself_whatever_happens(
    organisation: Organisation, steps: list[tuple[str, int]]
) -> None:
    letter = make_letter(organisation, slug=f"letter-{next(people)}")
    for action, n in steps:
        counted = list(letter.signatures.counted().order_by("pk"))
        if action == "sign":
            signed_and_confirmed(letter, f"person{next(people)}@example.org")
        elif action == "append":
            log_fold(passes=1, batch=n)
        elif counted:
            change = signature_withdraw if action == "withdraw" else signature_invalidate
            change(signature_id=counted[n % len(counted)].pk)
    log_fold(passes=1000)

    log = PublicLog(letter)
    heads = log.heads()
    published = keys()
    for head in heads:
        assert head_verifies(head, published)
        assert all(log.inclusion_verifies(index, head) for index in range(head["size"]))
    for old, new in itertools.pairwise(heads):
        assert old["size"] < new["size"]
        assert log.consistency_verifies(old, new)
    if heads:
        count = get_json(f"/letters/{letter.slug}/count.json")
        assert (heads[-1]["total"], heads[-1]["verified"]) == (
            count["total_signatures"],
            count["verified"],
        )
