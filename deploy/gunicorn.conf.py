"""gunicorn for the Service Desk (`gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`).

Worker class: gthread (threads in a few processes), not sync. A request of the desk spends
most of its time waiting: on PostgreSQL, on the document store's fsync, on Redis. With `sync`
one such wait blocks the whole process; with threads the same process serves other requests
meanwhile, at a fraction of the memory of more processes. Slow clients do not hold a thread:
nginx in front buffers the whole request (uploads up to DESK_MAX_REQUEST_MB) and the whole
response, so the app only ever talks to nginx over loopback. Nothing slow runs in a request
(emails and every PDF the desk renders, the Berita Acara, the SLA and the monthly report, are
huey tasks), so the timeout can stay short. The code is
thread-safe for this: one database connection per thread (peewee), no per-request globals.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # nginx is the only client
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 60  # a request never renders a PDF nor sends an email
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle workers now and then (memory held by big uploads)
max_requests_jitter = 500
preload_app = True  # create_app() opens no connection: safe to build before forking
forwarded_allow_ips = "127.0.0.1"  # the X-Forwarded-* of nginx only (see DESK_TRUSTED_PROXIES)
accesslog = "-"  # to the journal; the desk logs its own line per request too
errorlog = "-"
loglevel = "info"
proc_name = "servicedesk-web"


def child_exit(server, worker):
    """Prometheus in multiprocess mode: forget the counters' files of a worker that ended."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
