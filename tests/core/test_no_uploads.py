"""The hard boundary: media never enters Casework."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

pytestmark = pytest.mark.django_db


def test_no_model_anywhere_has_a_file_or_image_field():
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)  # ImageField is a FileField
    ]
    assert offenders == []


@pytest.mark.parametrize("path", ["/accounts/sign-in/", "/api/v1/me/", "/admin/", "/no-such-page/"])
def test_a_multipart_request_is_refused_with_415_everywhere(path, client_for, investigator):
    from django.test.client import MULTIPART_CONTENT, encode_multipart

    client = client_for(investigator)
    body = encode_multipart("BoUnDaRy", {"note": "synthetic", "file": "x"})
    response = client.post(
        path, body, content_type=MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", "BoUnDaRy")
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"


def test_a_raw_binary_body_is_refused(investigator):
    response = Client().post("/api/v1/me/", b"\x89PNG", content_type="image/png")
    assert response.status_code == 415
