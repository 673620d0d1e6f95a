# Thi đua Bot: production image. Configure with environment variables (see README).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY pyproject.toml README.md alembic.ini requirements-runtime.lock ./
COPY bot ./bot
COPY conversations ./conversations
COPY scheduler ./scheduler
COPY alembic ./alembic
COPY locales ./locales

# Editable install: the catalogs (locales/) and the migrations (alembic/) are read from the
# project's top level beside the packages, so the code runs from /app rather than site-packages.
# The dependencies are the pinned, hash-checked versions CI tested (make lock).
RUN pip install --require-hashes -r requirements-runtime.lock \
    && pip install --no-deps -e . \
    && useradd --create-home --uid 10001 thidua \
    && mkdir -p /app/data \
    && chown -R thidua:thidua /app/data

USER thidua
VOLUME ["/app/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)" || exit 1

CMD ["thidua", "run"]
