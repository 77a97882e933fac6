"""Entry point of the production consumer: `huey_consumer tasks.worker.huey`.

Builds the app from the environment (the same DESK_* variables as the web workers); `huey` is
that app's own Huey, with every task registered on it, each running in that app's context.
"""

from app import create_app

app = create_app()
huey = app.extensions["huey"]  # what huey_consumer imports
