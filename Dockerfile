# The production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=crm.settings.production

WORKDIR /app

# Dependencies first, from pyproject.toml alone (the project builds no package: `packages = []`),
# so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .

RUN groupadd --system crm \
    && useradd --system --gid crm --home-dir /app --no-create-home crm \
    && mkdir -p /app/media /app/staticfiles /app/.run \
    && chown -R crm:crm /app/media /app/staticfiles /app/.run

USER crm
EXPOSE 8000

CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", \
     "--access-logfile", "-"]
