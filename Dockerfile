# One image for every Kakehashi service; the service is chosen by SERVICE (build argument or
# environment) or by the command, e.g. `kakehashi streams apply`.

FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
# Dependencies first, so that a code change does not rebuild them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY shared ./shared
COPY services ./services
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim
ARG SERVICE=matching
RUN groupadd --system --gid 10001 kakehashi \
 && useradd --system --uid 10001 --gid kakehashi --home-dir /var/lib/kakehashi --create-home kakehashi
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    KAKEHASHI_SERVICE=${SERVICE} \
    KAKEHASHI_DATA_DIR=/var/lib/kakehashi \
    KAKEHASHI_HTTP_PORT=8080 \
    KAKEHASHI_LOG_FORMAT=json
USER kakehashi
WORKDIR /var/lib/kakehashi
EXPOSE 8080
STOPSIGNAL SIGTERM
# Alive = the process answers; readiness (/readyz: NATS and the database reachable) is for orchestrators.
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["sh", "-c", "exec python -m services.${KAKEHASHI_SERVICE}"]
