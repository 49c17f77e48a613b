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
    KAKEHASHI_DATA_DIR=/var/lib/kakehashi
USER kakehashi
WORKDIR /var/lib/kakehashi
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "exec python -m services.${KAKEHASHI_SERVICE}"]
