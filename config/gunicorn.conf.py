"""Production gunicorn settings, each from the environment; command-line flags win.

gunicorn -c config/gunicorn.conf.py wsgi:app
"""

import multiprocessing
import os
import subprocess
import sys

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


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Check the settings and bring the schema up to date once, before any worker starts.

    In a child process, so the master (and every worker forked from it) stays small.
    """
    if subprocess.run([sys.executable, "-m", "site_app.database"], check=False).returncode:
        raise SystemExit(1)


def post_worker_init(worker):  # noqa: ANN001, ANN201
    """Each worker runs an outbox sender thread unless OUTBOX_SENDER=off."""
    app = worker.wsgi
    if getattr(app, "config", {}).get("OUTBOX_SENDER") == "thread":
        from site_app.outbox.worker import start_thread

        start_thread(app)


def worker_exit(server, worker):  # noqa: ANN001, ANN201
    """On a graceful stop or reload, the sender finishes its message and hands the rest back."""
    from site_app.outbox.worker import stop_threads

    stop_threads(timeout=float(getattr(worker.wsgi, "config", {}).get("MAIL_TIMEOUT", 10)) + 5)
