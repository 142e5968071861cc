"""Every setting comes from the environment, with a default that works on a laptop.

Nothing here switches infrastructure on unless it is configured: no REDIS_URL, no Redis.
"""

import atexit
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import environ

from undersigned.lib.secret_key import load_or_create_secret_key

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env.str("UNDERSIGNED_DATA_DIR", default=str(Path.cwd() / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEMO = env.bool("UNDERSIGNED_DEMO", default=False)
DEBUG = env.bool("DEBUG", default=DEMO)
SECRET_KEY = env.str("SECRET_KEY", default="") or load_or_create_secret_key(DATA_DIR)

BASE_URL = env.str("BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
_base_host = urlsplit(BASE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_base_host, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[BASE_URL])

# Security headers, cookies and sessions (docs/security.md says why each is what it is).
HTTPS = BASE_URL.startswith("https://")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# How long a browser that saw the site over HTTPS refuses to visit it without (HSTS); 0
# sends no header. Over HTTPS, a year, and for the site's own subdomains too.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
# Asks browsers' built-in HSTS lists to carry the domain: hard to take back, so the
# operator's choice, off by default (its deploy warning is silenced while it is off).
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Plain HTTP is answered with a redirect to HTTPS (behind a proxy, SECURE_PROXY_SSL_HEADER
# says what the visitor used), except on paths matching these regular expressions.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_REDIRECT_EXEMPT = env.list("SECURE_REDIRECT_EXEMPT", default=[])
# No address of ours goes to another site (a letter's links, a target's site); pages whose
# address holds a token send only our origin even to us (lib/referrer.py).
SECURE_REFERRER_POLICY = env.str("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Cookies: over HTTPS named __Host-, which browsers accept only when set by this host over
# HTTPS for the whole site, so no other subdomain or plain-HTTP page can plant one.
_cookie_prefix = "__Host-" if HTTPS else ""
SESSION_COOKIE_NAME = f"{_cookie_prefix}sessionid"
CSRF_COOKIE_NAME = f"{_cookie_prefix}csrftoken"
LANGUAGE_COOKIE_NAME = f"{_cookie_prefix}django_language"
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Messages live in the session, not in a cookie of their own without the prefix.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# An organiser's session ends after this many seconds without a request: a working day
# never signs them out, a forgotten one is gone by morning. A request saves the session
# again (pushing its end back) once this many seconds have passed since it was last saved
# (lib/session_refresh.py), not at every request: no write and no cookie per poll.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=5 * 60)
# Content-Security-Policy (django-csp): only our own scripts, styles, fonts and images,
# no inline script or style, no plugins, framed by no page (a view that may be framed says
# so with lib/content_policy.py). To allow something more, add it to its directive here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "undersigned.lib.static_assets.StaticFilesConfig",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "undersigned.background",
    "undersigned.accounts",
    "undersigned.mail",
    "undersigned.audit",
    "undersigned.organisations",
    "undersigned.letters",
    "undersigned.signing",
    "undersigned.transparency",
    "undersigned.updates",
    "undersigned.deliveries",
    "undersigned.digests",
    "undersigned.moderation",
    "undersigned.paper",
    "undersigned.api",
    "undersigned.webhooks",
    "undersigned.pages",
    "undersigned.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "undersigned.lib.referrer.TokenPagesReferrerPolicy",
    "undersigned.lib.static_assets.StaticAssets",
    "undersigned.api.caching.ReadMethods",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "undersigned.lib.session_refresh.SessionRefresh",
    "django.middleware.locale.LocaleMiddleware",
    "undersigned.lib.languages.LanguageFromBrowser",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "undersigned.organisations.middleware.SecondFactorMiddleware",
    "undersigned.letters.takedowns.TakenDownMiddleware",
]

ROOT_URLCONF = "undersigned.urls"
WSGI_APPLICATION = "undersigned.wsgi.application"
ASGI_APPLICATION = "undersigned.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "undersigned.context_processors.site",
            ],
        },
    },
]

# SQLite is the embedded default. WAL lets readers run beside the writer; IMMEDIATE
# transactions take the write lock up front so two writers queue instead of failing on
# lock upgrade. With synchronous=FULL (the default) every commit is flushed to the disk
# before it returns, so an acknowledged signature survives a power cut too; NORMAL
# survives any process being killed but may lose the last commits to an operating-system
# crash or a power cut (docs/performance.md has what each costs).
SQLITE_SYNCHRONOUS = env.str("SQLITE_SYNCHRONOUS", default="FULL").upper()
if SQLITE_SYNCHRONOUS not in {"FULL", "NORMAL"}:
    raise ValueError("SQLITE_SYNCHRONOUS must be FULL or NORMAL")
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL;"
    f"PRAGMA synchronous={SQLITE_SYNCHRONOUS};"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA busy_timeout=20000;"
)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'undersigned.db'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": SQLITE_PRAGMAS, "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Tests use a real file, so WAL and locking behave as in production; one per test run,
    # so that two runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-undersigned-{os.getpid()}.db")}
elif os.environ.get("PYTEST_VERSION"):
    # One test database per test run here too, so that two runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": f"test_undersigned_{os.getpid()}"}
# Each thread keeps its connection between requests: opening one costs more than most
# requests (on SQLite, with its pragmas and functions; closing the last connection to a
# WAL database also checkpoints it), and a broken one is replaced at the next request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.str("REDIS_URL", default="")
CACHE_URL = env.str("CACHE_URL", default=REDIS_URL)
if CACHE_URL:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}
else:
    # A SQLite file in the data directory that every process of this machine shares (the
    # web server's workers and the worker), so a rate limit holds across them; its atomic
    # add and incr count each hit once. WAL without a flush per write (synchronous NORMAL):
    # a crash of the machine may lose the last writes, never the file. A test run gets one
    # of its own (pytest sets PYTEST_VERSION), as it gets its own database, removed after.
    CACHE_DIR = DATA_DIR / "cache"
    if os.environ.get("PYTEST_VERSION"):
        CACHE_DIR = DATA_DIR / f"test-cache-{os.getpid()}"
        atexit.register(shutil.rmtree, CACHE_DIR, ignore_errors=True)
    CACHES = {
        "default": {
            "BACKEND": "undersigned.lib.rate_limit.MachineCache",
            "LOCATION": str(CACHE_DIR),
            "SHARDS": 4,
            "DATABASE_TIMEOUT": 1.0,  # wait for another process's write, never fail it
        }
    }

# Two queues. "default", in the database, is the transactional outbox: every task enqueued
# in the transaction of the row that causes it (every email, an update's listing, a
# delivery) is committed with that row, and one a dead worker held is run again once its
# lease runs out. With REDIS_URL, RQ (django-tasks-rq) carries the recurring rounds, which
# no row causes and which start again by themselves if lost (background/recurring.py).
# RQ pushes a job when asked, not at commit, and does not run again a killed worker's job,
# so nothing an outbox task does may go there. `undersigned worker` serves both queues.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
RECURRING_TASK_BACKEND = "default"
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS["rq"] = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
    RECURRING_TASK_BACKEND = "rq"
    # A round may take long (forgetting a surge's worth of unconfirmed signatures).
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}

# A task a worker claimed and did not finish in this time is taken up by another worker;
# longer than any task takes, sending an email included (EMAIL_TIMEOUT).
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=120)

# Seconds a relay may take to answer; an EMAIL_URL with ?timeout= says otherwise.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Mail: EMAIL_URL such as smtp://user:pass@host:587 or smtp+tls://…; "outbox:" keeps mail
# in the database for the local outbox page (demo and development) and prints it.
EMAIL_URL = env.str("EMAIL_URL", default="outbox:" if DEBUG else "console:")
if EMAIL_URL.split(":", 1)[0] == "outbox":
    EMAIL_BACKEND = "undersigned.mail.backends.OutboxBackend"
elif EMAIL_URL.split(":", 1)[0] == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    globals().update(env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"undersigned <noreply@{_base_host}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Updates to signers: messages a second for each update, whichever workers send it (0: as
# fast as the relay takes them). Ten a second suits a small relay; raise it to what yours
# accepts. Two updates sending at once go at twice the rate.
UPDATE_SEND_RATE = env.float("UPDATE_SEND_RATE", default=10.0)
# How many workers may send one update at once, and how long each task sends before it
# hands over to the next (well inside TASK_LEASE_SECONDS).
UPDATE_SENDERS = env.int("UPDATE_SENDERS", default=2)
UPDATE_SLICE_SECONDS = env.float("UPDATE_SLICE_SECONDS", default=20.0)
# How often the worker looks for letters whose count reached their goal.
MILESTONE_CHECK_SECONDS = env.int("MILESTONE_CHECK_SECONDS", default=60)
# Fraud alerts (moderation/alerts.py): how often the worker looks at each open letter's
# signatures of this hour and the last, and when a subnet or an address domain is worth
# an email to the organisation's moderators: at least this many new signatures in one
# hour, and more than this share of all the letter's new signatures of that hour.
FRAUD_ALERT_CHECK_SECONDS = env.int("FRAUD_ALERT_CHECK_SECONDS", default=300)
FRAUD_ALERT_THRESHOLD = env.int("FRAUD_ALERT_THRESHOLD", default=50)
FRAUD_ALERT_SHARE = env.float("FRAUD_ALERT_SHARE", default=0.2)
# Delivery PDFs and CSVs, built by the worker and served by the web processes: on several
# machines, a directory they all share.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
# Delivery PDFs and CSVs are built in a short-lived child process, so the worker never keeps
# fpdf2 and the fonts loaded (docs/delivery-pdf.md).
DELIVERY_BUILD_IN_CHILD = env.bool("DELIVERY_BUILD_IN_CHILD", default=True)
OUTBOX_PAGE_ENABLED = DEBUG or DEMO

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Organisers sign in with their email address, which they must confirm.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(BASE_URL).scheme or "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "undersigned: "
LOGIN_REDIRECT_URL = "dashboard"
LOGIN_URL = "account_login"
# Sign-in limits, kept in the cache (so shared by every web process), counted from the
# client address lib/client_ip.py finds (accounts/adapter.py). A rate is N/period/per, the
# period in s, m, h or d, per the client's address ("ip", an IPv6 /64) or the account
# ("key"). Failed sign-ins, and wrong second-factor codes: 10 a minute from one address,
# and 5 in 15 minutes for one account, after which even the right password is refused
# until the oldest failure is 15 minutes old.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/15m/key"),
    # Every sign-in attempt, failed or not, from one address.
    "login": env.str("LOGIN_RATE_LIMIT", default="30/m/ip"),
    "signup": env.str("SIGNUP_RATE_LIMIT", default="20/m/ip"),
    # Password-reset emails: from one address, and to one account.
    "reset_password": env.str("PASSWORD_RESET_RATE_LIMIT", default="20/m/ip,5/m/key"),
    "reset_password_from_key": env.str("PASSWORD_RESET_KEY_RATE_LIMIT", default="20/m/ip"),
}
ACCOUNT_ADAPTER = "undersigned.accounts.adapter.AccountAdapter"
# Whether anyone may sign up as an organiser. Off, only someone an owner invited may
# (docs/teams.md); an instance run by one organisation turns it off.
ORGANISER_SIGNUP = env.bool("ORGANISER_SIGNUP", default=True)
# How many days an owner's invitation link to join an organisation works (docs/teams.md).
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
# Whether a platform moderator reviews a new letter before it opens (docs/moderation.md):
# on wherever anyone may sign up as an organiser, unless set.
LETTERS_NEED_REVIEW = env.bool("LETTERS_NEED_REVIEW", default=ORGANISER_SIGNUP)
# Whether webhooks may post to loopback and private addresses (docs/webhooks.md): off in
# production, where one would let an organiser reach the machine's own services.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=DEBUG)

# Organisers' second factors (django-allauth MFA, docs/organisers.md "Two-factor sign-in"):
# an authenticator app (TOTP), passkeys and security keys (WebAuthn), and recovery codes.
MFA_SUPPORTED_TYPES = env.list(
    "MFA_SUPPORTED_TYPES", default=["totp", "webauthn", "recovery_codes"]
)
# A passkey may sign an organiser in by itself, in place of the password and a code.
MFA_PASSKEY_LOGIN_ENABLED = env.bool("MFA_PASSKEY_LOGIN_ENABLED", default=True)
# The name authenticator apps show beside this site's codes.
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default=f"undersigned ({_base_host})")
# Time steps of 30 seconds a code may be early or late: a phone's clock drifts.
MFA_TOTP_TOLERANCE = env.int("MFA_TOTP_TOLERANCE", default=1)
MFA_ADAPTER = "undersigned.accounts.factors.FactorsAdapter"

# The languages of the interface, each name in its own language (the switcher shows them
# so). English has no prefix in URLs; every other one lives under its code (/es/...).
# docs/translating.md says how to add one.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A year: the cookie holds only the code of the language chosen with the switcher.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Assets go out under content-hashed names, compressed, cached for a year; what starts a
# server collects them when their sources changed (lib/static_assets.py): no collectstatic
# step to forget. Under DEBUG, pages link the sources themselves, as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "undersigned.lib.static_assets.AssetStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# The sign form's limits (signing/abuse.py). Past a soft limit a signer is asked to solve a
# proof-of-work challenge, whose cost doubles each time the traffic doubles again; past a
# hard limit (a count in the same window; 0: none) the request is refused. Per address:
SIGNATURE_RATE_LIMIT = env.str("SIGNATURE_RATE_LIMIT", default="20/h")
SIGNATURE_HARD_LIMIT = env.int("SIGNATURE_HARD_LIMIT", default=300)
# Per subnet (/24 for IPv4; /48 and /64 for IPv6): a campus or an office behind one NAT.
SUBNET_RATE_LIMIT = env.str("SUBNET_RATE_LIMIT", default="100/h")
SUBNET_HARD_LIMIT = env.int("SUBNET_HARD_LIMIT", default=3000)
# Per letter and address domain; the big public mail providers (COMMON_MAIL_DOMAINS) and
# letters whose addresses prove an affiliation are left out.
DOMAIN_RATE_LIMIT = env.str("DOMAIN_RATE_LIMIT", default="100/h")
DOMAIN_HARD_LIMIT = env.int("DOMAIN_HARD_LIMIT", default=0)
# Reports of letters from the public (docs/moderation.md), per client address.
REPORT_RATE_LIMIT = env.str("REPORT_RATE_LIMIT", default="5/h")
# Per letter, whoever signs: a surge makes every signer pay a little, and refuses nobody.
LETTER_RATE_LIMIT = env.str("LETTER_RATE_LIMIT", default="3000/m")
LETTER_HARD_LIMIT = env.int("LETTER_HARD_LIMIT", default=0)
COMMON_MAIL_DOMAINS = env.list("COMMON_MAIL_DOMAINS", default=[])  # added to the built-in list
# Rules that hold a signature as suspect (never counted until a moderator clears it): a form
# sent sooner than SIGN_MIN_SECONDS after the page was made, the honeypot field filled, more
# than SUSPECT_SUBNET_BURST signatures from its subnet in SUBNET_RATE_LIMIT's window, more
# than SUSPECT_DOMAIN_BURST from its domain on the letter in DOMAIN_RATE_LIMIT's. Letters
# whose addresses prove an affiliation skip the last two: each of their addresses is proven.
SIGN_MIN_SECONDS = env.float("SIGN_MIN_SECONDS", default=2.0)
# The rules in force (honeypot, too_fast, no_form, subnet_burst, domain_trending): a site
# whose forms are also sent from pages of its own elsewhere may leave out no_form.
SUSPECT_RULES = env.list(
    "SUSPECT_RULES", default=["honeypot", "too_fast", "no_form", "subnet_burst", "domain_trending"]
)
SUSPECT_SUBNET_BURST = env.int("SUSPECT_SUBNET_BURST", default=300)
SUSPECT_DOMAIN_BURST = env.int("SUSPECT_DOMAIN_BURST", default=300)
# Confirmation emails one address may be sent in a day, whichever letters it signs.
CONFIRMATIONS_PER_ADDRESS_PER_DAY = env.int("CONFIRMATIONS_PER_ADDRESS_PER_DAY", default=5)
MANAGE_LINKS_PER_SIGNATURE = env.str("MANAGE_LINKS_PER_SIGNATURE", default="3/h")
# Behind reverse proxies: how many of them the operator trusts, and the header they write
# the client's address to. Each trusted proxy appends the address it saw to
# X-Forwarded-For, so the client's address is the value TRUSTED_PROXY_HOPS from the right;
# a value further left came from the client and is never used (lib/client_ip.py). 0: no
# proxy, the connection's own address. A header the proxy overwrites (X-Real-IP) is one hop.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="X-Forwarded-For")
TRUSTED_PROXY_HOPS = env.int(
    "TRUSTED_PROXY_HOPS", default=1 if env.str("CLIENT_IP_HEADER", default="") else 0
)
COUNT_CACHE_SECONDS = env.float("COUNT_CACHE_SECONDS", default=1.0)

# Privacy (docs/privacy.md). Days the keyed hashes of a signature's network address and
# subnet are kept, for fraud tooling, before the worker blanks them.
FRAUD_WINDOW_DAYS = env.int("FRAUD_WINDOW_DAYS", default=30)
# Rows the retention rounds erase or blank in one transaction.
RETENTION_BATCH = env.int("RETENTION_BATCH", default=1000)
# Seconds the emailed link to everything kept about an address stays valid.
DATA_REQUEST_MAX_AGE = env.int("DATA_REQUEST_MAX_AGE", default=60 * 60 * 24)
# Requests for that link: per address (by its keyed hash), and per client address.
DATA_REQUESTS_PER_ADDRESS = env.str("DATA_REQUESTS_PER_ADDRESS", default="3/h")
DATA_REQUESTS_PER_CLIENT = env.str("DATA_REQUESTS_PER_CLIENT", default="10/h")
# Who runs this site and how to reach them about personal data, shown on the privacy page.
PRIVACY_OPERATOR = env.str("PRIVACY_OPERATOR", default="")
PRIVACY_CONTACT = env.str("PRIVACY_CONTACT", default="")
# A letter's numbers by time, country and postal region (signing/aggregates.py): a group
# of fewer signatures than this is shown as "fewer than N", never its exact number, since
# so few could point at a person. Each letter's numbers are read at most once in
# AGGREGATE_CACHE_SECONDS by each cache.
AGGREGATE_MIN_GROUP = env.int("AGGREGATE_MIN_GROUP", default=5)
AGGREGATE_CACHE_SECONDS = env.int("AGGREGATE_CACHE_SECONDS", default=60)
# Each web process keeps a public letter it has read for this long, and renders a public
# page once in this time for everyone (lib/page_cache.py): an edit shows within it.
LETTER_CACHE_SECONDS = env.float("LETTER_CACHE_SECONDS", default=1.0)
# Signatures and confirmations from the threads of one web process are committed together,
# by one commit each batch, before any of them is answered (lib/group_commit.py).
GROUP_COMMIT = env.bool("GROUP_COMMIT", default=True)
GROUP_COMMIT_MAX = env.int("GROUP_COMMIT_MAX", default=200)

# How much of a request body Django left unread (one past DATA_UPLOAD_MAX_MEMORY_SIZE it
# refuses unread) is read and thrown away so that its keep-alive connection stays open;
# past this the answer closes the connection (lib/request_body.py, docs/security-input.md).
REQUEST_BODY_DRAIN_BYTES = env.int("REQUEST_BODY_DRAIN_BYTES", default=16 * 1024 * 1024)

# The proof-of-work challenge a signer's browser solves past a soft limit (lib/challenge.py,
# docs/challenge.md). A challenge is valid this long after it is issued, and accepted once.
CHALLENGE_SECONDS = env.int("CHALLENGE_SECONDS", default=600)
# Its cost, in key derivations (1,000 PBKDF2 rounds each): at pressure 0 a browser needs
# between half of CHALLENGE_BASE_COST and all of it (hundredths of a second on a desktop);
# each step of pressure doubles it, up to CHALLENGE_MAX_COST (at 64 times the base, one to
# two seconds on a desktop, a few times that on a phone).
CHALLENGE_BASE_COST = env.int("CHALLENGE_BASE_COST", default=100)
CHALLENGE_MAX_COST = env.int("CHALLENGE_MAX_COST", default=6_400)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every line printed passes through it: no address and no token in any log.
    "filters": {
        "redact": {"()": "undersigned.lib.log_filter.Redact"},
        # The rounds that run every few seconds start and finish without a word.
        "unremarkable": {
            "()": "undersigned.lib.log_filter.Unremarkable",
            "words": [
                "path=undersigned.transparency.appending.transparency_round ",
                "path=undersigned.webhooks.folding.webhooks_round ",
            ],
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["unremarkable", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's defaults give its logger handlers of its own: a console one under DEBUG (as
    # in the demo), which printed each record a second time beside the root's, and mail to
    # ADMINS, which are not set. Through the root's handler each record prints once.
    "loggers": {"django": {"handlers": []}},
}
