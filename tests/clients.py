from __future__ import annotations

from urllib.parse import urlencode

from django.test import Client

FORM = "application/x-www-form-urlencoded"


class BrowserFormClient(Client):
    """A test client that posts forms the way a browser does (URL-encoded).

    Django's test client posts multipart by default, which Casework refuses everywhere (no file
    ever enters the system); pages post plain forms, so tests do too. Pass ``content_type`` to
    send anything else, multipart included.
    """

    def post(self, path, data=None, content_type=None, **extra):
        if content_type is None:
            content_type = FORM
            if isinstance(data, dict):
                data = urlencode(data, doseq=True)
        return super().post(path, data if data is not None else "", content_type, **extra)
