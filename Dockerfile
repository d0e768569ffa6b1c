# syntax=docker/dockerfile:1
# The summarizer image: the Streamlit app (the default command) or the HTTP API (`summarizer serve`).
# The offline extractive engine is the default; nothing secret is baked in (keys, tokens and the
# app password come from the environment or mounted files at run time; .dockerignore keeps
# .env, .streamlit/secrets.toml and every SQLite file out of the build context).
#
#   docker build -t summarizer .
#   docker run -p 8501:8501 -v summarizer-data:/data summarizer              # the app
#   docker run -p 8000:8000 -e SUMMARIZER_API_TOKENS=... summarizer \
#       summarizer serve --host 0.0.0.0 --port 8000                          # the API
# compose.yaml runs both next to a local model server.

# ---- build: one wheel for the package and one for each dependency (no compiler needed)
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY summarizer ./summarizer
COPY prompts ./prompts
RUN pip wheel --wheel-dir /wheels ".[auth]"

# ---- run
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Installed from the wheels only (--no-index): the version is the one just built from this tree,
# and the name cannot be resolved to another project's package.
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels "summarizer[auth]"

RUN useradd --create-home --uid 10001 --user-group summarizer \
    && mkdir /data \
    && chown summarizer:summarizer /data
WORKDIR /opt/summarizer
# The app's modules and its sample reports; the library comes from the installed wheel.
COPY app.py app_views.py app_track.py app_access.py ./
COPY fixtures/seeds ./fixtures/seeds

USER 10001:10001
# Offline by default; the history and the LLM cache live in the /data volume.
# The app listens on every interface here, so its history is per browser session unless
# SUMMARIZER_HISTORY_SCOPE says otherwise (README, The app).
ENV SUMMARIZER_ENGINE=extractive \
    SUMMARIZER_HISTORY=/data/history.sqlite3 \
    SUMMARIZER_CACHE=/data/cache.sqlite3
VOLUME ["/data"]
EXPOSE 8501 8000

# The app's health endpoint; compose.yaml checks the API's /healthz instead for that service.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"]

CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", \
     "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]
