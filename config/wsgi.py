from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from .startup import guarded, setup_and_require_keys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = guarded(get_wsgi_application)
guarded(setup_and_require_keys)
