"""The API's shapes, as the OpenAPI schema states them: each resource is built as a dict
in resources.py and checked against its schema on the way out, so the schema cannot drift
from what is served."""

from enum import Enum
from typing import Annotated, Literal

from django.conf import settings
from ninja import Field, Path, Schema
from pydantic import ConfigDict

# The site's languages, as a letter may be written in (settings.LANGUAGES).
Language = Enum(  # type: ignore[misc]
    "Language", {code: code for code, _name in settings.LANGUAGES}, type=str
)

# A letter's address in a path, as Django's slug converter reads it: anything else is a 422
# (a NUL byte would otherwise reach the database, which refuses it).
Slug = Annotated[str, Path(pattern=r"^[-a-zA-Z0-9_]+$", max_length=80)]

# The most rows one request may enter: a pile of sheets from a big rally.
MAX_PAPER_ROWS = 5000


class Link(Schema):
    href: str


class Named(Schema):
    name: str
    slug: str


class Target(Schema):
    name: str
    title: str = Field(description="The target's role, as OSDI calls it.")
    organization: str


class Eligibility(Schema):
    kind: str = Field(description="`anyone`, `academic` or `domains`.")
    domains: list[str]
    include_subdomains: bool


class Aliased(Schema):
    model_config = ConfigDict(populate_by_name=True)


class PetitionLinks(Aliased):
    self_: Link = Field(alias="self")
    signatures: Link = Field(alias="osdi:signatures")
    count: Link = Field(alias="undersigned:count")
    updates: Link = Field(alias="undersigned:updates")
    deliveries: Link = Field(alias="undersigned:deliveries")
    answers: Link = Field(alias="undersigned:answers")


class Petition(Aliased):
    identifiers: list[str]
    origin_system: str
    slug: str
    created_date: str | None
    modified_date: str | None
    action_date: str | None = Field(description="When the letter was published.")
    title: str
    description: str = Field(description="The letter's text, as HTML.")
    petition_text: str = Field(description="The letter's text, in Markdown as written.")
    demands: list[str]
    pledge: str
    browser_url: str
    featured_image_url: str = Field(description="The share image, drawn by us.")
    language: str
    status: str = Field(description="`draft`, `in_review`, `open`, `closed` or `delivered`.")
    organisation: Named
    target: list[Target]
    goal: int | None
    eligibility: Eligibility
    count_step: int | None = Field(description="The step every number is rounded down to, or null.")
    reveal_threshold: int | None
    names_revealed: bool
    total_signatures: int = Field(description="The count, rounded down to the count step.")
    verified_signatures: int
    links: PetitionLinks = Field(alias="_links")


class SignatureLinks(Aliased):
    petition: Link = Field(alias="osdi:petition")


class PublicSignature(Aliased):
    name: str = Field(description='As the signer chose to be shown: "Anonymous" if hidden.')
    level: str
    verified: bool
    verification: str
    institution: str
    claimed_affiliation: str
    title: str
    department: str
    location: str
    comments: str
    paper: bool = Field(description="Signed on paper and entered by the organisers.")
    links: SignatureLinks = Field(alias="_links")


class OrganiserSignature(PublicSignature):
    identifiers: list[str]
    country: str
    postal_code: str
    created_date: str | None = Field(
        description="The day it was confirmed, where the letter lets organisers see it."
    )


class CollectionLinks(Aliased):
    self_: Link = Field(alias="self")
    next: Link | None = None


class Collection(Aliased):
    total_records: int
    per_page: int
    links: CollectionLinks = Field(alias="_links")


class PetitionsEmbedded(Aliased):
    petitions: list[Petition] = Field(alias="osdi:petitions")


class Petitions(Collection):
    embedded: PetitionsEmbedded = Field(alias="_embedded")


class SignaturesEmbedded(Aliased):
    signatures: list[PublicSignature] = Field(alias="osdi:signatures")


class Signatures(Collection):
    names_revealed: bool
    embedded: SignaturesEmbedded = Field(alias="_embedded")


class OrganiserSignaturesEmbedded(Aliased):
    signatures: list[OrganiserSignature] = Field(alias="osdi:signatures")


class OrganiserSignatures(Collection):
    embedded: OrganiserSignaturesEmbedded = Field(alias="_embedded")


class Group(Schema):
    group: str
    signatures: int | None = Field(description="null where the group is too small to show.")
    shown: str = Field(description='As a page shows it: "1,234", "150+", "fewer than 5".')


class Count(Schema):
    total_signatures: int
    verified_signatures: int
    display: str
    goal: int | None
    count_step: int | None
    names_revealed: bool
    institutions: list[Group]
    levels: list[Group]
    countries: list[Group] = Field(description="ISO 3166-1 codes; `other`, or `` for none.")


class UpdateOut(Schema):
    identifiers: list[str]
    kind: str
    title: str
    description: str
    sent_date: str | None
    browser_url: str


class DeliveryTargetOut(Schema):
    name: str
    title: str


class DeliveryOut(Schema):
    identifiers: list[str]
    number: int
    method: str
    delivered_date: str | None
    total_signatures: int
    verified_signatures: int
    signatures_carried: int
    addendum: bool
    letter_version: int
    target: list[DeliveryTargetOut]
    document_url: str


class AnswerOut(Schema):
    identifiers: list[str]
    target: DeliveryTargetOut
    answered_date: str
    text: str
    description: str
    source_url: str
    delivery: int | None


class Problem(Schema):
    detail: str


class Invalid(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


# What organisers send.


class TargetIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    title: str = Field("", max_length=200, description="The target's role.")
    organization: str = Field("", max_length=200)
    delivery_address: str = Field(
        "", max_length=254, description="Where a delivery is emailed; never shown publicly."
    )


class PetitionIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    petition_text: str = Field(min_length=1, description="The letter's text, in Markdown.")
    demands: list[str] = Field(default_factory=list)
    pledge: str = ""
    goal: int | None = Field(None, ge=1)
    language: Language | None = Field(None, description="One of the site's languages.")
    target: list[TargetIn] = Field(default_factory=list)


class PetitionChange(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    petition_text: str | None = Field(None, min_length=1)
    demands: list[str] | None = None
    pledge: str | None = None
    goal: int | None = Field(None, ge=1)
    target: list[TargetIn] | None = None


class PaperRowIn(Schema):
    """One signature as written on a sheet; the letter's signing policy says which fields
    it must hold. An address is optional, never shown, and never written to."""

    name: str = Field(min_length=1, max_length=120)
    email: str = Field("", max_length=254)
    affiliation: str = Field("", max_length=200)
    title: str = Field("", max_length=200)
    department: str = Field("", max_length=100)
    location: str = Field("", max_length=100)
    country: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    comment: str = Field("", max_length=1000)
    display: Literal["full", "initials", "anonymous"] = "full"


class PaperBatchIn(Schema):
    label: str = Field(
        min_length=1, max_length=100, description='Where they were signed: "Rally, 3 May".'
    )
    rows: list[PaperRowIn] = Field(min_length=1, max_length=MAX_PAPER_ROWS)


class PaperBatchOut(Schema):
    identifiers: list[str]
    label: str
    signatures: int
    created_date: str
    removed_date: str | None


class UpdateIn(Schema):
    title: str = Field(min_length=1, max_length=200, description="The email's subject.")
    description: str = Field(min_length=1, description="The update, in Markdown.")
    signers_only: bool = False
