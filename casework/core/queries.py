"""Query expressions the ORM does not ship, shared by the apps' selectors."""

from __future__ import annotations

from django.db.models import BooleanField, Func, QuerySet, Subquery


class InArray(Func):
    """``column = ANY(ARRAY(subquery))``: membership in a subquery's result, read once.

    Same rows as ``column IN (subquery)``, planned differently: PostgreSQL runs the subquery
    once (an InitPlan) and compares against the array, which is an index condition, so
    ``unit_id = 4 OR id = ANY(ARRAY(…))`` becomes two index scans ORed as bitmaps. Written with
    ``IN`` (or ``EXISTS``) inside an ``OR``, the subquery can only be a filter on every row of
    the table. Meant for subqueries of hundreds or thousands of ids (a person's grants, a
    unit's cases), whose array PostgreSQL probes an index with.
    """

    arg_joiner = " = ANY(ARRAY"
    template = "(%(expressions)s))"
    output_field = BooleanField()

    def __init__(self, expression, subquery: QuerySet, **extra) -> None:
        super().__init__(expression, Subquery(subquery), **extra)
