# Doorstroom API. Runs the same command as the README: `doorstroom serve` (which applies pending migrations).
# Point it at PostgreSQL with DOORSTROOM_DATABASE_URL; without it, SQLite in the /data volume is used.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DOORSTROOM_DATABASE_URL=sqlite:////data/doorstroom.db \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin doorstroom \
    && mkdir /data && chown doorstroom /data

# Dependencies first, pinned, so code changes do not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
COPY service/__init__.py service/__init__.py
COPY matching/__init__.py matching/__init__.py
RUN pip install -c constraints.txt -e .

COPY alembic.ini ./
COPY data ./data
COPY migrations ./migrations
COPY matching ./matching
COPY service ./service

USER doorstroom
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)" || exit 1
CMD ["doorstroom", "serve", "--host", "0.0.0.0", "--port", "8000"]
