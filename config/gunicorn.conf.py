"""Production gunicorn settings, each from the environment; command-line flags win.

gunicorn -c config/gunicorn.conf.py wsgi:app
"""

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("APP_ENV", "production")

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "0"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = os.environ.get(
    "GUNICORN_ACCESS_LOG_FORMAT",
    '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s" rid=%({x-request-id}o)s',
)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
if os.environ.get("LOG_FORMAT") == "json":  # gunicorn's lines as JSON, like the app's
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            name: {"()": f"site_app.logs.{cls}"}
            for name, cls in (("json", "JsonLines"), ("access", "AccessJsonLines"))
        },
        "handlers": {
            name: {
                "class": "logging.StreamHandler",
                "formatter": name,
                "stream": "ext://sys.stdout",
            }
            for name in ("json", "access")
        },
        "root": {"handlers": []},  # the app adds its own (site_app/logs.py)
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }

# Metrics (METRICS_BIND): the workers count into files in one directory, made fresh
# here, before anything imports prometheus_client, so every worker inherits it. Not
# again when gunicorn re-reads this file on SIGHUP: the running workers write there.
if os.environ.get("METRICS_BIND") and os.environ.get("_GLISSANDO_MASTER") != str(os.getpid()):
    os.environ["_GLISSANDO_MASTER"] = str(os.getpid())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # ops chose it: empty it of our files
        Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
        for _old in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*"):
            if _old.suffix == ".db" or _old.name.startswith("dead_"):
                _old.unlink()
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="glissando-metrics-")
        os.environ["_GLISSANDO_OWN_METRICS_DIR"] = "1"


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Check the settings and bring the schema up to date once, before any worker starts.

    In a child process, so the master (and every worker forked from it) stays small.
    """
    # -c, not -m: the package imports site_app.database, and runpy warns about that.
    step = "import sys; from site_app.database import main; sys.exit(main())"
    if subprocess.run([sys.executable, "-c", step], env=_without_metrics_dir()).returncode:
        raise SystemExit(1)


def post_worker_init(worker):  # noqa: ANN001, ANN201
    """Each worker runs the outbox sender threads (e-mail, webhook) unless OUTBOX_SENDER=off,
    and the triage learner (its judge() uses what sales taught) unless TRIAGE_LEARNING=off."""
    app = worker.wsgi
    if getattr(app, "config", {}).get("TRIAGE_LEARNING"):  # the site, not the bench's baseline
        from site_app import teaching

        teaching.start_thread(app)
    if getattr(app, "config", {}).get("OUTBOX_SENDER") == "thread":
        from site_app import webhooks
        from site_app.outbox.worker import start_thread

        start_thread(app)
        webhooks.start_thread(app)  # only with WEBHOOK_URL; never waits on e-mail


def when_ready(server):  # noqa: ANN001, ANN201
    """Serve /metrics on METRICS_BIND from a small process of its own."""
    if os.environ.get("METRICS_BIND"):
        folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        command = [sys.executable, "-m", "site_app.metrics.server", folder]
        server = subprocess.Popen(command, env=_without_metrics_dir())
        os.environ["_GLISSANDO_METRICS_PID"] = str(server.pid)


def _without_metrics_dir():  # noqa: ANN202
    """The environment for the master's helpers: only workers write metrics files."""
    return {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}


def child_exit(server, worker):  # noqa: ANN001, ANN201
    """Mark the worker dead: the metrics server folds its counts into an archive."""
    if os.environ.get("METRICS_BIND"):
        Path(os.environ["PROMETHEUS_MULTIPROC_DIR"], f"dead_{worker.pid}").touch()


def on_exit(server):  # noqa: ANN001, ANN201
    if os.environ.get("_GLISSANDO_METRICS_PID"):
        try:
            os.kill(int(os.environ["_GLISSANDO_METRICS_PID"]), signal.SIGTERM)
        except ProcessLookupError:
            pass
    if os.environ.get("_GLISSANDO_OWN_METRICS_DIR"):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def worker_exit(server, worker):  # noqa: ANN001, ANN201
    """On a graceful stop or reload, each sender (e-mail, webhook) finishes the one in hand
    and hands the rest of its batch back."""
    from site_app.outbox.worker import stop_threads

    tally = getattr(worker.wsgi, "extensions", {}).get("visits")
    if tally is not None:  # the views counted since the last write
        tally.stop()
    stop_threads(timeout=float(getattr(worker.wsgi, "config", {}).get("MAIL_TIMEOUT", 10)) + 5)
