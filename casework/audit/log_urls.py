"""``/log/``: the audit log as C2SP tlog-tiles and tlog-witness define it (see log_views)."""

from __future__ import annotations

from django.urls import path, re_path

from . import log_views

app_name = "log"

LEVEL = r"(?P<level>[0-9]|[1-5][0-9]|6[0-3])"
INDEX = r"(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
WIDTH = r"(?P<width>[1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"

urlpatterns = [
    path("checkpoint", log_views.CheckpointView.as_view(), name="checkpoint"),
    path("key", log_views.KeyView.as_view(), name="key"),
    re_path(rf"^tile/{LEVEL}/{INDEX}(?:\.p/{WIDTH})?$", log_views.TileView.as_view(), name="tile"),
    path(
        "witness/add-checkpoint",
        log_views.WitnessAddCheckpointView.as_view(),
        name="witness-add-checkpoint",
    ),
    path("witness/key", log_views.WitnessKeyView.as_view(), name="witness-key"),
    re_path(
        r"^witness/(?P<origin_hash>[0-9a-f]{64})/checkpoint$",
        log_views.WitnessedCheckpointView.as_view(),
        name="witnessed-checkpoint",
    ),
]
