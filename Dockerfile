# The Glissando site as a container image: gunicorn with config/gunicorn.conf.py.
#
#   make image                       # glissando-site:latest on python:3.11-slim
#   make image BASE=my/python:3.11   # any Debian-like base whose python3 has venv
#
# `make image` downloads the locked wheels, hash-checked, into .build/wheels on the host
# first, so the build itself reads no network (it runs with --network none). Configuration
# comes from the environment at run time; docs/operating.md's "Containers" section says how.
ARG BASE=python:3.11-slim

FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt /tmp/requirements.txt
COPY requirements-data.txt /tmp/requirements-data.txt
COPY .build/wheels/ /tmp/wheels/
# Exactly the locked set (--no-deps), each wheel checked against its hash in the lock
# (--require-hashes), then pip check proves the set complete. Then the data packages, hash-
# checked too: the site reads their files and never imports them, so what they require is
# left out (it would be over half the image), and pip check, which would name it, runs first.
# pip and setuptools are only needed here: the venv leaves without them.
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --no-index --no-deps --only-binary=:all: \
        --require-hashes --find-links=/tmp/wheels -r /tmp/requirements.txt \
 && /opt/venv/bin/pip check \
 && /opt/venv/bin/pip install --quiet --no-index --no-deps --only-binary=:all: \
        --require-hashes --find-links=/tmp/wheels -r /tmp/requirements-data.txt \
 && /opt/venv/bin/pip uninstall --quiet --yes pip setuptools
WORKDIR /app
COPY wsgi.py ./
COPY config/ config/
COPY migrations/ migrations/
COPY site_app/ site_app/
COPY static/ static/
COPY templates/ templates/
# What the site would write at start-up is made here: the fingerprinted, compressed
# static files, and the bytecode.
RUN /opt/venv/bin/python -c "from site_app import assets; assets.prebuild()" \
 && /opt/venv/bin/python -m compileall -q wsgi.py config migrations site_app

FROM ${BASE}
RUN groupadd --system --gid 10001 glissando \
 && useradd --system --uid 10001 --gid glissando --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin glissando \
 && mkdir /data && chown glissando:glissando /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# The SQLite file lives on the /data volume (PostgreSQL: set DATABASE_URL). gunicorn's
# control socket goes to /tmp; nothing else is written outside /data and /tmp.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    DATABASE_URL=sqlite:////data/glissando.db \
    FLASK_APP=wsgi \
    XDG_RUNTIME_DIR=/tmp
USER 10001:10001
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "config/healthcheck.py"]
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"]
