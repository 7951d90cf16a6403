# The bot in a container: configuration comes from the environment only (see
# docs/deployment.md). Build: docker build -t haoshangliang .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
COPY fake_telegram ./fake_telegram
RUN pip install --no-cache-dir '.[postgres]' && useradd --system --home /app bot \
    && mkdir -p /app/data && chown bot /app/data
USER bot
# SQLite (the default) keeps its file here; mount a volume to keep it.
VOLUME /app/data
# Webhook endpoint, /healthz and /metrics (when WEBHOOK_URL is set; otherwise METRICS_PORT).
EXPOSE 8443
# Stop: SIGTERM, then the bot finishes what is in hand within SHUTDOWN_SECONDS.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
