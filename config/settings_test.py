"""Test settings: the real settings with a test key and fast password hashing.

DATABASE_URL and REDIS_URL still come from the environment, so the same suite runs on
SQLite and on PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

from config.settings import *  # noqa: E402,F403

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
