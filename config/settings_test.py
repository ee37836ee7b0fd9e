"""Test settings: the real settings with a test key and fast password hashing.

DATABASE_URL and REDIS_URL still come from the environment, so the same suite runs on
SQLite and on PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# Everything a run writes (signed summaries, exports, the filesystem broker, mail files) goes
# to a folder of its own, never the checkout's var/: tests/conftest.py removes it at the end.
# The processes a test starts (a Celery worker) inherit it through the environment.
if not os.environ.get("APPRAISAL_TEST_VAR_DIR"):
    os.environ["APPRAISAL_TEST_VAR_DIR"] = tempfile.mkdtemp(prefix="appraisal-tests-")
os.environ["VAR_DIR"] = os.environ["APPRAISAL_TEST_VAR_DIR"]

from config.settings import *  # noqa: E402,F403

MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
EMAIL_FILE_PATH = str(VAR_DIR / "mail")  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client and live server speak plain HTTP; the HTTPS settings have their own test.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests change a cycle and look at its dashboard straight away; the one test of the
# figures' cache turns it on.
DASHBOARD_CACHE_SECONDS = 0
# Likewise the menu's facts; test ids repeat between tests while a local cache lives on.
NAV_CACHE_SECONDS = 0
READ_CACHE_SECONDS = 0
