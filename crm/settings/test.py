"""The test suite: fast hashing, in-memory e-mail, eager Celery unless a test asks for the broker."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # subprocess workers set False
CELERY_TASK_EAGER_PROPAGATES = True
# The fault tests' worker processes are given the test's uploads folder through the environment.
MEDIA_ROOT = Path(env("CRM_TEST_MEDIA_ROOT", default=str(BASE_DIR / ".run" / "test-media")))
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
LANGUAGE_CODE = "en"
