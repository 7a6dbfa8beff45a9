# Yiwang API image: multi-stage build, non-root user, served by gunicorn.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY api ./api
COPY models ./models
COPY notifications ./notifications
RUN /opt/venv/bin/pip install . \
 && cd / && /opt/venv/bin/python -c "from api.i18n import compile_catalogues; compile_catalogues()"

FROM python:3.11-slim AS runtime
RUN groupadd --system yiwang && useradd --system --gid yiwang --home-dir /app --shell /usr/sbin/nologin yiwang \
 && apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY migrations ./migrations
COPY gunicorn.conf.py ./
COPY docker/entrypoint.sh /usr/local/bin/yiwang-entrypoint
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 APP_ENV=production INSTANCE_PATH=/var/lib/yiwang \
    UPLOAD_FOLDER=/var/lib/yiwang/uploads MIGRATIONS_DIR=/app/migrations
RUN mkdir -p /var/lib/yiwang/uploads && chown -R yiwang:yiwang /var/lib/yiwang
USER yiwang
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
ENTRYPOINT ["yiwang-entrypoint"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "api:create_app()"]
