import hashlib

from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, MinValueValidator, validate_email
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from undersigned.lib.markdown import render_markdown
from undersigned.lib.numbers import grouped
from undersigned.organisations.models import Organisation

from .sharing import HASHTAG_MAX_LENGTH, validate_embed_origins, validate_hashtag


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("letter", "Draft")
    IN_REVIEW = "in_review", pgettext_lazy("letter", "In review")
    OPEN = "open", pgettext_lazy("letter", "Open")
    CLOSED = "closed", pgettext_lazy("letter", "Closed")
    DELIVERED = "delivered", pgettext_lazy("letter", "Delivered")


PUBLIC_STATUSES = (Status.OPEN, Status.CLOSED, Status.DELIVERED)


class Eligibility(models.TextChoices):
    ANYONE = "anyone", _("Anyone")
    ACADEMIC = "academic", _("Academic addresses only")
    DOMAINS = "domains", _("Addresses at listed domains only")


class FieldRule(models.TextChoices):
    OFF = "off", _("Not asked")
    OPTIONAL = "optional", _("Optional")
    REQUIRED = "required", _("Required")


class CommentReview(models.TextChoices):
    """When a signer's comment shows on the letter's pages."""

    AFTER = "after", _("At once; a moderator hides it if it is abusive")
    BEFORE = "before", _("Once a moderator has approved it")


class Takedown(models.TextChoices):
    """Why the public reports a letter, and why a moderator takes one down."""

    SPAM = "spam", _("Spam")
    HATE = "hate", _("Hate or harassment")
    IMPERSONATION = "impersonation", _("Impersonation")
    PERSONAL_DATA = "personal_data", _("Personal data")
    OTHER = "other", _("Other")


class Display(models.TextChoices):
    """How a signer's name is shown to the public."""

    FULL = "full", _("My full name")
    INITIALS = "initials", _("My initials only")
    ANONYMOUS = "anonymous", _("Not at all (anonymous)")


# The signer fields a policy can ask for, in form order. The name is always asked.
POLICY_FIELDS = (
    "affiliation",
    "title",
    "department",
    "location",
    "country",
    "postal_code",
    "comment",
)


class Text:
    """What a page shows of a letter's text, the letter's own, a translation's or a kept
    version's alike (templates/letters/_text.html)."""

    body: str
    demands: str

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    @property
    def demand_list(self) -> list[str]:
        return [line.strip() for line in self.demands.splitlines() if line.strip()]


class LetterQuerySet(models.QuerySet["Letter"]):
    def public(self) -> "LetterQuerySet":
        return self.filter(status__in=PUBLIC_STATUSES)


class Letter(Text, models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="letters")
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    demands = models.TextField(blank=True, help_text="One demand per line.")
    pledge = models.TextField(blank=True, help_text="What signers pledge, if anything.")
    # The language the letter is written in (a code of LANGUAGES); its translations into
    # the others are LetterTranslation rows.
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    goal = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    goal_rises = models.BooleanField(
        default=True,
        help_text="When the count reaches the goal, raise it to the next step "
        "(1,000 → 2,500 → 5,000 → 10,000 …).",
    )

    # The signing policy.
    eligibility = models.CharField(
        max_length=20, choices=Eligibility.choices, default=Eligibility.ANYONE
    )
    eligible_domains = models.TextField(blank=True, help_text="One domain per line.")
    include_subdomains = models.BooleanField(
        default=True, help_text="Also accept addresses at subdomains, like eng.example.org."
    )
    ask_affiliation = models.CharField(max_length=10, choices=FieldRule, default=FieldRule.OFF)
    ask_title = models.CharField(max_length=10, choices=FieldRule, default=FieldRule.OFF)
    ask_department = models.CharField(max_length=10, choices=FieldRule, default=FieldRule.OFF)
    ask_location = models.CharField(max_length=10, choices=FieldRule, default=FieldRule.OFF)
    ask_country = models.CharField(max_length=10, choices=FieldRule, default=FieldRule.OPTIONAL)
    ask_postal_code = models.CharField(max_length=10, choices=FieldRule, default=FieldRule.OFF)
    ask_comment = models.CharField(max_length=10, choices=FieldRule, default=FieldRule.OPTIONAL)
    comment_review = models.CharField(
        "comments show",
        max_length=10,
        choices=CommentReview.choices,
        default=CommentReview.AFTER,
    )
    allow_full_name = models.BooleanField(default=True)
    allow_initials = models.BooleanField(default=True)
    allow_anonymous = models.BooleanField(default=True)
    reveal_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2)],
        help_text="Names stay hidden, and only counts show, until this many verified people "
        "have signed.",
    )
    count_step = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2)],
        help_text="Show counts in steps of this size (“150+”), so that one new signature "
        "cannot be tied to one person.",
    )

    # Sharing (docs/sharing.md): the tag share links carry, and the sites that may show the
    # sign form in a frame (CSP frame-ancestors); none listed, any site may.
    hashtag = models.CharField(
        max_length=HASHTAG_MAX_LENGTH, blank=True, validators=[validate_hashtag]
    )
    embed_origins = models.JSONField(default=list, blank=True, validators=[validate_embed_origins])

    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    text_changed_at = models.DateTimeField(null=True, blank=True)
    # Moves on whenever the campaign's story on the letter page changes (an update sent, a
    # milestone, a delivery, a response), so the page may keep the story cached until then.
    story_version = models.PositiveIntegerField(default=0, editable=False)
    # Signers' personal data is kept this many days after the letter closed or was last
    # delivered, then erased by the worker; the counts and institution aggregates stay.
    retention_days = models.PositiveIntegerField(
        default=183,
        help_text="Days after closing or the last delivery before signers' personal data is "
        "erased. Counts and institution totals are kept.",
    )
    personal_data_erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When signing closed, or the letter was last delivered if later: the retention period
    # counts from here (signing/retention.py).
    retention_from = models.DateTimeField(null=True, blank=True, editable=False)

    # The platform's review of a new letter (LETTERS_NEED_REVIEW): why it was sent back.
    review_note = models.TextField(blank=True, editable=False)
    # Taken down by a platform moderator: the page says so and why, signing stops, and
    # nothing is deleted. Cleared if an appeal is upheld.
    taken_down_at = models.DateTimeField(null=True, blank=True, editable=False)
    takedown_reason = models.CharField(
        max_length=20, choices=Takedown.choices, blank=True, editable=False
    )

    objects = LetterQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("letter", kwargs={"slug": self.slug})

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not (self.allow_full_name or self.allow_initials or self.allow_anonymous):
            errors["allow_full_name"] = [
                gettext(
                    "Allow at least one way to show signers' names: in full, as initials, "
                    "or not at all."
                )
            ]
        if self.eligibility == Eligibility.DOMAINS and not self.domain_list:
            errors["eligible_domains"] = [
                gettext(
                    "List the domains whose addresses may sign, one per line, like example.org."
                )
            ]
        if self.reveal_threshold and self.eligibility == Eligibility.ANYONE:
            errors["reveal_threshold"] = [
                gettext(
                    "Only verified signers count towards a reveal threshold, so it needs a "
                    "letter for academic addresses or for addresses at listed domains."
                )
            ]
        bad_domains = [domain for domain in self.domain_list if not _is_domain(domain)]
        if bad_domains:
            errors["eligible_domains"] = [
                gettext(
                    "“%(domain)s” is not a domain name. Write one domain per line, like "
                    "example.org, without “@” or “https://”."
                )
                % {"domain": domain}
                for domain in bad_domains
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN and self.taken_down_at is None

    @property
    def is_taken_down(self) -> bool:
        return self.taken_down_at is not None

    @property
    def domain_list(self) -> list[str]:
        return [
            line.strip().lower().rstrip(".")
            for line in self.eligible_domains.splitlines()
            if line.strip()
        ]

    def shown_number(self, number: int) -> str:
        """A count as the public sees it: exact, or in the letter's steps ("150+")."""
        if not self.count_step:
            return grouped(number)
        if number < self.count_step:
            return gettext("fewer than %(step)s") % {"step": grouped(self.count_step)}
        return f"{grouped(number - number % self.count_step)}+"

    def stepped(self, number: int) -> int:
        """A count rounded down to the letter's step, for the API."""
        return number - number % self.count_step if self.count_step else number

    @property
    def display_choices(self) -> list[tuple[str, str]]:
        allowed = {
            Display.FULL: self.allow_full_name,
            Display.INITIALS: self.allow_initials,
            Display.ANONYMOUS: self.allow_anonymous,
        }
        return [(value, str(label)) for value, label in Display.choices if allowed[Display(value)]]

    def field_rule(self, field: str) -> FieldRule:
        return FieldRule(getattr(self, f"ask_{field}"))

    @property
    def consent_wording(self) -> str:
        return gettext(
            "Yes, I would like to receive updates about this letter from %(organisation)s. "
            "I can unsubscribe at any time."
        ) % {"organisation": self.organisation.name}

    def text_hash(self) -> str:
        return text_hash(self.title, self.body, self.demands, self.pledge)

    def text_in(self, language: str) -> "Letter | LetterTranslation":
        """The letter's text for a reader of `language`: its translation into it if the
        organisers wrote one, else the letter as written."""
        if language != self.language:
            translation = self.translations.filter(language=language).first()
            if translation is not None:
                return translation
        return self

    @property
    def languages(self) -> list[str]:
        """The languages the letter can be read in, its own first."""
        return [self.language, *self.translations.values_list("language", flat=True)]

    def story_changed(self) -> None:
        """Say that the letter's story changed; call it in the transaction that changes it."""
        Letter.objects.filter(pk=self.pk).update(story_version=models.F("story_version") + 1)


def _is_domain(value: str) -> bool:
    # Signers' domains are compared in their ASCII form (see lib/email_address.py).
    try:
        DomainNameValidator(accept_idna=False)(value)
    except ValidationError:
        return False
    return True


def text_hash(title: str, body: str, demands: str, pledge: str, language: str = "") -> str:
    """What tells one text of a letter from another; a translation's includes its language."""
    parts = (title, body, demands, pledge, language) if language else (title, body, demands, pledge)
    material = "\x1f".join(parts).encode()
    return hashlib.sha256(material).hexdigest()


class LetterTranslation(Text, models.Model):
    """The letter's text in another language, as its organisers wrote it. Once the letter is
    public, each text of it a signer may read is kept as a LetterVersion in that language."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    demands = models.TextField(blank=True, help_text="One demand per line.")
    pledge = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "language"], name="one_translation_each")
        ]

    def __str__(self) -> str:
        return f"{self.letter} ({self.language})"

    def text_hash(self) -> str:
        return text_hash(self.title, self.body, self.demands, self.pledge, self.language)


class LetterVersion(Text, models.Model):
    """The text of a letter as signers saw it; a new one each time a published text changes,
    in the letter's own language or in one of its translations."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # "" for the letter's own language, else the translation's (LetterTranslation).
    language = models.CharField(max_length=10, blank=True, default="")
    title = models.CharField(max_length=200)
    body = models.TextField()
    demands = models.TextField(blank=True)
    pledge = models.TextField(blank=True)
    text_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.letter} v{self.number}"


class Target(models.Model):
    """A person or body the letter is addressed to."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="targets")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    delivery_address = models.CharField(
        max_length=500, blank=True, help_text="Email or postal address for delivery; never shown."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.name, self.role, self.organisation) if part)

    @property
    def email_address(self) -> str:
        """The delivery address if it is an email address, else "" (a postal one, say)."""
        address = self.delivery_address.strip()
        try:
            validate_email(address)
        except ValidationError:
            return ""
        return address
