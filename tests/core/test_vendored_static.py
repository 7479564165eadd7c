"""The vendored design system holds together: production's manifest storage refuses a stylesheet
that names a missing font or icon, so collect the static files the way production does."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

MANIFEST = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}


def test_it_collects_every_file_the_stylesheets_name(tmp_path):
    with override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": MANIFEST}, STATIC_ROOT=tmp_path
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "uswds" / "css" / "uswds.min.css").exists()


def test_no_template_carries_inline_script_or_style():
    # The Content-Security-Policy allows scripts and styles from 'self' only.
    templates = settings.BASE_DIR / "casework"
    offending = [
        str(path.relative_to(settings.BASE_DIR))
        for path in templates.rglob("templates/**/*.html")
        if re.search(
            r"<script>|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=", path.read_text()
        )
    ]
    assert offending == []
