"""The OpenAPI schema and its Swagger UI, under the site's Content-Security-Policy.

Threat: the schema maps every route and field; in production only signed-in users get it. The
docs page must run under ``script-src 'self'; style-src 'self'``: drf-spectacular's split view
serves its start-up script as a file of its own, and our template drops the inline <style>.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
