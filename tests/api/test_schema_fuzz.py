"""schemathesis against the live schema: every operation of /api/v1/openapi.json, as the
running server serves it, called with what its schema allows and with what it does not,
on a database holding letters in every state, signatures, a paper batch, an update and
an answer, with a token of every scope. No answer is a server error, and every answer is
one the schema describes: its status code, its content type and its body.

Data: both positive (what the schema allows) and negative (what it refuses: wrong types,
values out of range, missing fields), so a refusal is checked to be a documented 4xx as
carefully as an answer. Path slugs are drawn from the letters in the database (an open
one, a draft, a taken-down one, a workers' letter below its reveal threshold) as well as
made up. Deterministic (a fixed seed, no example database), a few examples per operation,
loopback only."""

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from ninja.responses import NinjaJSONEncoder
from pytest_django.live_server_helper import LiveServer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import MakeToken, bearer
from tests.conftest import make_letter, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.api.api import api
from undersigned.deliveries.models import Response
from undersigned.deliveries.responses import response_record
from undersigned.letters.models import Eligibility, FieldRule, Takedown
from undersigned.letters.publishing import letter_take_down
from undersigned.organisations.models import Organisation
from undersigned.signing.models import PaperBatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SLUGS = ["drop-the-contract", "a-draft", "taken-down", "northwind-workers"]
EXAMPLES = 12


def seeded(organisation: Organisation, organiser: User, make_token: MakeToken) -> dict[str, Any]:
    """The database the fuzzing meets, and what it calls with."""
    petition = make_letter(
        organisation,
        slug="drop-the-contract",
        ask_country=FieldRule.OPTIONAL,
        ask_postal_code=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )
    for n, display in enumerate(["full", "initials", "anonymous"]):
        signed_and_confirmed(
            petition, f"signer{n}@example.org", f"Signer Number{n}", display=display, country="NL"
        )
    make_letter(organisation, slug="a-draft", publish=False)
    gone = make_letter(organisation, slug="taken-down")
    letter_take_down(letter=gone, reason=Takedown.SPAM)
    workers = make_letter(
        organisation,
        slug="northwind-workers",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        reveal_threshold=3,
        count_step=5,
    )
    signed_and_confirmed(workers, "w@northwind.example", "Wren Holloway", display="initials")
    response_record(
        letter=petition,
        response=Response(
            target=petition.targets.get(), responded_on=timezone.localdate(), text="No."
        ),
        by=organiser,
    )
    secret = make_token()
    organiser_api = Client(headers=bearer(secret))
    for path, body in [
        ("paper-batches/", {"label": "Rally", "rows": [{"name": "Rally Rowena"}]}),
        ("updates/", {"title": "We delivered it", "description": "Thank you."}),
    ]:
        made = organiser_api.post(
            f"/api/v1/organisation/petitions/{petition.slug}/{path}",
            body,
            content_type="application/json",
        )
        assert made.status_code == 201, made.content
    return {"secret": secret}


def schema_json() -> dict[str, Any]:
    """The schema as /api/v1/openapi.json serves it."""
    loaded: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))
    return loaded


# schemathesis.pytest.from_fixture would load the schema from the live server at run time,
# but it sets Function._nodeid, which pytest 9 no longer has; the schema is loaded here
# instead, and `test_the_fuzzed_schema_is_the_live_one` proves it is the one served.
SCHEMA = schema_json()
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 13,
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(SCHEMA, config=CONFIG)
# Filled by the `fuzzed` fixture: ids of rows the database holds, drawn as path values.
KNOWN: dict[str, list[Any]] = {"slug": SLUGS, "batch_id": []}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Path values from the database as often as made up ones."""
    given = dict(path_parameters or {})
    return st.fixed_dictionaries(
        {name: st.sampled_from([*KNOWN.get(name, []), value]) for name, value in given.items()}
    )


@pytest.fixture
def fuzzed(
    live_server: LiveServer, organisation: Organisation, organiser: User, make_token: MakeToken
) -> Iterator[dict[str, Any]]:
    data = seeded(organisation, organiser, make_token)
    KNOWN["batch_id"] = list(PaperBatch.objects.values_list("pk", flat=True))
    yield {"base_url": live_server.url, "secret": data["secret"]}
    KNOWN["batch_id"] = []


def test_the_fuzzed_schema_is_the_live_one(live_server: LiveServer) -> None:
    with urllib.request.urlopen(f"{live_server.url}/api/v1/openapi.json") as served:
        assert json.load(served) == SCHEMA


@schema.parametrize()
# The database is seeded once an operation, not once an example: what one example writes
# (a draft, a paper batch, an update) the next may meet, as a client's next call would.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_answers_every_request_as_its_schema_says(
    case: Any, fuzzed: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {fuzzed['secret']}"}
    case.call_and_validate(base_url=fuzzed["base_url"], headers=headers, checks=CHECKS, timeout=10)
