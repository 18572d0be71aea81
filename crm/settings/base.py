"""Settings shared by every environment, read from the environment with django-environ.

Defaults serve one machine with no servers: SQLite and a file-system Celery broker.
DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = BASE_DIR / ".run"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "axes",
    "django_htmx",
    "django_celery_beat",
    "crm",
    "customers",
    "credit",
    "complaints",
    "visits",
    "club",
    "contracts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # JSON for every error under /api/, whoever wrote it (Django's 404 and 500, CSRF, the lockout page).
    "crm.api.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF middleware: a form the server cannot decode answers 400, not 500.
    "crm.middleware.ApplicationErrorMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): the front end is vendored under static/, so everything comes
# from this site. No inline script or event handler anywhere (static/js/behaviours.js does what they
# did); a page's own <style> block carries the request's nonce. Bootstrap draws its form controls
# with data: SVG images. The API docs use drf-spectacular's split Swagger view (no inline script).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
AUTH_USER_MODEL = "crm.User"

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
                "crm.context_processors.shell",
            ],
        },
    },
]

# PostgreSQL's JIT compiles a plan when its estimated cost is high: on the pages' aggregates over 100,000
# archives and millions of records it added up to 2 s of compilation to queries that run in 100 ms
# (measured by make bench); an interactive application's queries are short, so it is off per connection.
POSTGRES_SESSION_OPTIONS = {"options": "-c jit=off"}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker, beat) share the file in `make run`: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).update(POSTGRES_SESSION_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True

# Login lockout (SPEC §8): five failures lock the username from that address for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
CURRENCY = "CNY"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "crm.storage.SafeNameFileSystemStorage"},  # stored names fit the file system
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024  # a 5,000-record bulk call is about 2 MB of JSON
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crm@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Token <token>` (SPEC §9), tokens stored hashed, expiring: crm/api/tokens.py.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Request bodies are JSON only (and nested at most crm.api.parsers.MAX_DEPTH levels).
    "DEFAULT_PARSER_CLASSES": ["crm.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # Successful token logins per address (failures are counted by the axes lockout): generous, for an
    # office behind one address.
    "DEFAULT_THROTTLE_RATES": {"token_success": env("API_TOKEN_LOGINS_PER_ADDRESS", default="600/hour")},
    "DEFAULT_SCHEMA_CLASS": "crm.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24 * 30)
# The oldest tokens of a user end beyond this many (an integration asking for one per batch).
API_TOKENS_PER_USER = env.int("API_TOKENS_PER_USER", default=50)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Logistics CRM API",
    "DESCRIPTION": "Customer archives, business records, credit, complaints, visits, club and contracts. "
                   "Request bodies are JSON. Every error answers JSON shaped as the `Error` component.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Enum names fixed here, not derived from field names or titles (generated clients keep them).
    # Several fields share a choice set (tier and credit grade; the five handling fields).
    "ENUM_NAME_OVERRIDES": {
        "GradeEnum": "customers.models.Tier",
        "HandlingEnum": "customers.models.Handling",
        "StageEnum": "customers.models.Stage",
        "ServiceTypeEnum": "customers.models.ServiceType",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "crm.api.schema.document_errors"],
}

# Celery. The default broker keeps messages in files under .run/, so `make run` needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
_BROKER_DIR = RUN_DIR / "broker"
_REDIS_BROKER = CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
# Redis re-delivers a message that was not acknowledged within the visibility timeout: that is how the
# job of a worker that died (SIGKILL, out of memory, host restart) comes back. 15 minutes: every task
# finishes (hard time limit) and every retry countdown ends well before it, so nothing healthy is ever
# delivered twice, and a dead worker's job is running again within minutes. No task may use a countdown
# or ETA longer than a few minutes: scheduling is beat's job (README, "Scheduled jobs").
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # A worker looks for timed-out messages every interval × throttle seconds (about 100 s), and
        # once when it starts.
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    }
    if _REDIS_BROKER
    else {
        "data_folder_in": str(_BROKER_DIR / "out"),
        "data_folder_out": str(_BROKER_DIR / "out"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # The broadcast (worker remote control) tables; kombu's default is ./control in the repository.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True  # acknowledged when finished: a task killed halfway is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # … also when its pool process is killed
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker holds one unacknowledged message per process
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True  # their messages come back
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=10 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - min(60, CELERY_TASK_TIME_LIMIT // 10)
if _REDIS_BROKER and CELERY_TASK_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT:
    raise ValueError("CELERY_TASK_TIME_LIMIT must be shorter than CELERY_VISIBILITY_TIMEOUT, "
                     "or a task still running would be delivered to a second worker")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# crm.beat: django-celery-beat's database scheduler with a single-beat lock, admin edits kept, and
# missed entries caught up.
CELERY_BEAT_SCHEDULER = "crm.beat:SingleBeatScheduler"
CELERY_BEAT_SYNC_EVERY = 1  # store each entry's last run as soon as it is sent (another beat may take over)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The beat schedule of SPEC §10. Beat creates the entries missing from the database on start; admins
# edit them there (an edited entry is never overwritten from here). "Working days 08:00" is a daily
# crontab at 08:00 whose job is declared with crm.jobs.scheduled_job(working_days=True).
CELERY_BEAT_SCHEDULE = {
    "annual-archive-refresh": {
        "task": "customers.tasks.archive_refresh_due_task",
        "schedule": crontab(minute=0, hour=2, day_of_month=1, month_of_year=1),
    },
    "archive-refresh-daily-catch-up": {
        "task": "customers.tasks.archive_refresh_due_task",
        "schedule": crontab(minute=15, hour=2),
    },
    "access-grants-expiry": {
        "task": "customers.tasks.access_grants_expire_task",
        "schedule": crontab(minute=5),
    },
    "import-jobs-interrupted": {
        "task": "customers.tasks.import_jobs_mark_interrupted_task",
        "schedule": crontab(minute="*/5"),
    },
    "notification-emails-resend": {
        "task": "crm.tasks.notification_emails_resend_task",
        "schedule": crontab(minute="*/10"),
    },
    "credit-reviews-due": {
        "task": "credit.tasks.credit_reviews_due_task",
        "schedule": crontab(minute=0, hour=7),
    },
    "credit-overdue-snapshot": {
        "task": "credit.tasks.credit_overdue_snapshot_task",
        "schedule": crontab(minute="*/10"),
    },
    "complaint-sla-escalation": {
        "task": "complaints.tasks.complaint_sla_escalation_task",
        "schedule": crontab(minute="*/15"),
    },
    "service-request-reminders": {
        "task": "complaints.tasks.service_request_reminders_task",
        "schedule": crontab(minute=5, hour=8),
    },
    "lead-follow-up-reminders": {
        "task": "customers.tasks.lead_follow_up_reminders_task",
        "schedule": crontab(minute=0, hour=8),
    },
    "churn-risk-flags": {
        "task": "customers.tasks.churn_risk_flags_task",
        "schedule": crontab(minute=30, hour=1),
    },
    "satisfaction-surveys-due": {
        "task": "customers.tasks.satisfaction_survey_reminders_task",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    "customer-revenue-refresh": {
        "task": "customers.tasks.customer_revenue_refresh_task",
        "schedule": crontab(minute=45, hour=1),
    },
    "key-account-tier-proposals": {
        "task": "customers.tasks.key_account_tier_proposals_task",
        "schedule": crontab(minute=0, hour=3, day_of_month=2, month_of_year=1),
    },
}

# The job machinery (crm.jobs, crm.beat).
CRM_JOBS = {
    # Where the single-beat lock lives: Redis in production (the broker's server by default), else a file.
    "LOCK_URL": env("CRM_LOCK_URL", default=CELERY_BROKER_URL if _REDIS_BROKER else ""),
    # A beat that stops renewing its lock for this long is replaced by a waiting second beat.
    "BEAT_LOCK_TTL": env.float("CRM_BEAT_LOCK_TTL", default=60.0),
    "BEAT_LOCK_KEY": env("CRM_BEAT_LOCK_KEY", default="crm:beat:leader"),
    # Long-running jobs stamp a heartbeat this often; one silent for the timeout lost its worker.
    "HEARTBEAT_EVERY": env.float("CRM_HEARTBEAT_EVERY", default=5.0),
    "HEARTBEAT_TIMEOUT": env.int("CRM_HEARTBEAT_TIMEOUT", default=120),
    # A notification e-mail still unsent after this many seconds is sent again (its message was lost).
    "EMAIL_RESEND_AFTER": env.int("CRM_EMAIL_RESEND_AFTER", default=10 * 60),
    # The e-mail task retries SMTP errors this many times (10 s, 20 s, … backoff); the resend job then
    # starts again, until the notification is this old and its e-mail is marked failed.
    "EMAIL_MAX_RETRIES": env.int("CRM_EMAIL_MAX_RETRIES", default=5),
    "EMAIL_GIVE_UP_AFTER": env.int("CRM_EMAIL_GIVE_UP_AFTER", default=24 * 60 * 60),
}

CRM = {
    # SPEC §2.4: every archive verified at least once in this many months.
    "ARCHIVE_REFRESH_MONTHS": 12,
    # SPEC §8: default length of an access grant.
    "ACCESS_GRANT_DAYS": 7,
    # SPEC §2.3: no business for this many days flags churn risk.
    "CHURN_RISK_DAYS": 180,
    # SPEC §2.5: team whose clerks receive new customers created by the freight system.
    "INTEGRATION_TEAM": env("CRM_INTEGRATION_TEAM", default="客服部"),
    # Imports with more rows than this run as a Celery task with a progress bar.
    "IMPORT_ASYNC_ROWS": 300,
    # The admin home warns from this month on when the coming year's statutory calendar is unknown.
    "CALENDAR_WARN_FROM_MONTH": 11,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
