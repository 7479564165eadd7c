"""gunicorn settings (``gunicorn config.wsgi -c python:config.gunicorn``).

gunicorn loads the application in each worker and restarts a worker that exits, so a bad
setting would restart workers forever. Checking the settings in the master first stops
gunicorn with the one-sentence explanation and exit status 2.
"""

from __future__ import annotations

import os

from config.startup import guarded, load_settings


def on_starting(server) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    guarded(load_settings)
