"""Entry point of the production consumer: `huey_consumer tasks.worker.huey`.

Builds the app from the environment (the same DESK_* variables as the web workers), which binds
the queue and registers every task.
"""

from app import create_app
from tasks import huey  # noqa: F401  (what huey_consumer imports)

app = create_app()
