# The tutor bot: `docker build -t lr-tutor .` then
#   docker run -d --name lr-tutor --env-file .env -e DATABASE_URL=sqlite:////data/tutor.db \
#     -v lr-tutor-data:/data lr-tutor
# (-e wins over a relative DATABASE_URL copied from .env.example into .env.)
# Polling by default; set WEBHOOK_URL and WEBHOOK_SECRET (and publish WEBHOOK_PORT) for
# webhook mode. GPU demos: --build-arg TORCH_VARIANT=cu121 (any CUDA wheel index of
# PyTorch's, matching the host driver) and `docker run --gpus all`.
FROM python:3.11-slim-bookworm

# cpu, or a CUDA variant of PyTorch's wheel index such as cu121.
ARG TORCH_VARIANT=cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, alone, from PyTorch's own index: PyPI's Linux wheel would pull the CUDA
# libraries (gigabytes) even for CPU. The range is pyproject.toml's, so `pip install .`
# below keeps this build instead of replacing it.
RUN pip install --index-url "https://download.pytorch.org/whl/${TORCH_VARIANT}" \
        "torch>=2.4,<2.14"

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY tutor ./tutor
RUN pip install . && rm -rf build ./*.egg-info
COPY content ./content

# A user of its own; /data (the SQLite file) belongs to it before it becomes a volume, so
# a fresh named volume starts writable.
RUN useradd --create-home --uid 10001 --user-group tutor \
    && mkdir /data \
    && chown tutor:tutor /data
VOLUME ["/data"]
USER tutor

ENV DATABASE_URL=sqlite:////data/tutor.db \
    CONTENT_DIR=/app/content \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8443
EXPOSE 8443

# Webhook mode: /healthz must answer 200 (database reachable, decks loaded). Polling mode
# serves no HTTP, so the check passes as long as the process runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, sys, urllib.request; \
os.environ.get('WEBHOOK_URL') or sys.exit(0); \
port = os.environ.get('WEBHOOK_PORT', '8443'); \
urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"

# SIGTERM (docker stop) ends the bot cleanly within 5 seconds.
CMD ["python", "-m", "bot"]
