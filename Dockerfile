FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# WeasyPrint loads Pango, HarfBuzz and fontconfig at run time and needs at least one font;
# gettext provides msgfmt for compilemessages; pysaml2 signs and checks SAML with xmlsec1.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core gettext xmlsec1 \
    && rm -rf /var/lib/apt/lists/*

# A home directory, so that fontconfig can keep its cache instead of rebuilding it per process.
RUN useradd --create-home --uid 1000 app

WORKDIR /app

# Dependencies before the source, so that a code change does not reinstall them. The project
# itself declares no packages: this installs only its dependencies.
COPY pyproject.toml ./
RUN pip install --no-cache-dir . && rm -rf build *.egg-info

COPY . .

# Settings refuse to load without SECRET_KEY; the dummy exists only in this step. VAR_DIR points
# away from /app/var so that the settings' build-time directories do not end up in the volume.
# An empty named volume takes the owner of the directory it is mounted on: app must own /app/var.
RUN export SECRET_KEY=build-only VAR_DIR=/tmp/build-var \
    && python manage.py collectstatic --noinput \
    && python manage.py compilemessages \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var \
    && chown -R app:app /app/var /app/staticfiles

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
