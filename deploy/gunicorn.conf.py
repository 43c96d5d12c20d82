"""gunicorn settings for Decant, shared by docker compose and the systemd unit.

JSON access lines carry the X-Request-ID Nginx sets, so one id joins the Nginx and
app logs. Several workers: PROMETHEUS_MULTIPROC_DIR makes /metrics sum them.
"""

import multiprocessing
import os

from functions.web.request_context import GUNICORN_ACCESS_LOG_FORMAT, GUNICORN_REQUEST_LIMITS

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(4, multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# no query string and no referer: e-mails and client secrets stay out of logs
access_log_format = GUNICORN_ACCESS_LOG_FORMAT
# above Nginx's 8k, so Nginx refuses over-long requests first, in the envelope
limit_request_line = GUNICORN_REQUEST_LIMITS["limit_request_line"]
limit_request_field_size = GUNICORN_REQUEST_LIMITS["limit_request_field_size"]
limit_request_fields = GUNICORN_REQUEST_LIMITS["limit_request_fields"]


def on_starting(server):  # noqa: ARG001
    """Start each boot with empty multiprocess metric files."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))


def child_exit(server, worker):  # noqa: ARG001
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
