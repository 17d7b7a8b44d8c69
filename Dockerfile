# The CarePulse worker (and the `carepulse` CLI: produce, replay, simulate) as an image.
#   docker build -t carepulse .
#   docker run --rm -e CAREPULSE_BROKER=kafka:9092 -e CAREPULSE_METRICS_HOST=0.0.0.0 \
#       -v "$PWD/examples/carepulse.toml:/etc/carepulse/carepulse.toml:ro" carepulse
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY streams ./streams
RUN pip install . && rm -rf /src

# An unprivileged user. The worker keeps its state in Kafka (the changelog topic), no Faust
# table on disk; Faust's working directory is [worker] data_dir/APP_ID (default carepulse/
# in the system's temporary directory), never the working directory.
RUN useradd --system --create-home --home-dir /var/lib/carepulse carepulse
USER carepulse
WORKDIR /var/lib/carepulse

# /metrics for Prometheus ([metrics] port); listen on every interface inside the container.
ENV CAREPULSE_METRICS_HOST=0.0.0.0 \
    CAREPULSE_METRICS_PORT=9108
EXPOSE 9108

ENTRYPOINT ["carepulse"]
CMD ["worker", "--config", "/etc/carepulse/carepulse.toml"]
