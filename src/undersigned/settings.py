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
if BASE_URL.startswith("https://"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    "undersigned.background",
    "undersigned.accounts",
    "undersigned.mail",
    "undersigned.organisations",
    "undersigned.letters",
    "undersigned.signing",
    "undersigned.updates",
    "undersigned.deliveries",
    "undersigned.api",
    "undersigned.pages",
    "undersigned.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Assets are served by us, straight from the package: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SIGNATURE_RATE_LIMIT = env.str("SIGNATURE_RATE_LIMIT", default="20/h")
# Confirmation emails one address may be sent in a day, whichever letters it signs.
CONFIRMATIONS_PER_ADDRESS_PER_DAY = env.int("CONFIRMATIONS_PER_ADDRESS_PER_DAY", default=5)
MANAGE_LINKS_PER_SIGNATURE = env.str("MANAGE_LINKS_PER_SIGNATURE", default="3/h")
# Behind a reverse proxy, the header that carries the client's address (e.g. X-Real-IP).
# Only set it when the proxy overwrites that header: clients can forge it otherwise.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
COUNT_CACHE_SECONDS = env.float("COUNT_CACHE_SECONDS", default=1.0)
# Each web process keeps a public letter it has read for this long, and renders a public
# page once in this time for everyone (lib/page_cache.py): an edit shows within it.
LETTER_CACHE_SECONDS = env.float("LETTER_CACHE_SECONDS", default=1.0)
# Signatures and confirmations from the threads of one web process are committed together,
# by one commit each batch, before any of them is answered (lib/group_commit.py).
GROUP_COMMIT = env.bool("GROUP_COMMIT", default=True)
GROUP_COMMIT_MAX = env.int("GROUP_COMMIT_MAX", default=200)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's defaults give its logger handlers of its own: a console one under DEBUG (as
    # in the demo), which printed each record a second time beside the root's, and mail to
    # ADMINS, which are not set. Through the root's handler each record prints once.
    "loggers": {"django": {"handlers": []}},
}
