"""Substring search ("any part of a number or reference") served by a GIN index.

``pg_trgm`` is the usual tool, but it is a contrib extension: the embedded PostgreSQL Casework
starts without ``DATABASE_URL`` (``pgserver``) does not ship it, and a search that is fast in
production but scans every row on a developer's machine and in the benchmark would hide its own
cost. So the same idea is written with what every PostgreSQL has: ``casework_trigrams(text)``
(created by ``core/migrations/0003_trigram_function``) returns the distinct three-character
pieces of a text, an expression GIN index over it (built-in ``array_ops``) finds the rows holding
every piece of the query, and a ``LIKE`` re-checks those few rows. Both sides are upper-cased
in SQL, the way Django's ``icontains`` compares, so the index and the check agree.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.functions import Upper

# Shorter text has no three-character piece, so the index cannot narrow the rows: callers match
# such text exactly instead.
MIN_LENGTH = 3

TRIGRAM_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION casework_trigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, 3)), '{}'::text[])
    FROM generate_series(1, char_length(value) - 2) AS i
$$;
"""
DROP_TRIGRAM_FUNCTION_SQL = "DROP FUNCTION IF EXISTS casework_trigrams(text);"


class Trigrams(Func):
    function = "casework_trigrams"
    output_field = ArrayField(TextField())


class _Contains(Func):
    arg_joiner = " @> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def trigram_index_expression(field: str) -> Trigrams:
    """The expression to index (``GinIndex(trigram_index_expression("number"), ...)``)."""
    return Trigrams(Upper(F(field)))


def contains_text_q(field: str, text: str) -> Q:
    """Rows whose ``field`` contains ``text`` (any case): the index narrows, ``LIKE`` decides.

    ``text`` must have at least ``MIN_LENGTH`` characters, or every row is a candidate."""
    if len(text) < MIN_LENGTH:
        raise ValueError(f"contains_text_q needs {MIN_LENGTH} characters or more")
    pieces = Trigrams(Upper(Value(text, output_field=TextField())))
    # ``LIKE`` first: where PostgreSQL filters rows it already has (a person's few hundred
    # visible cases) rather than asking the index, it evaluates the two in this order, and
    # computing a row's trigrams costs a hundred times the ``LIKE`` that settles most rows.
    return Q(**{f"{field}__icontains": text}) & Q(
        _Contains(trigram_index_expression(field), pieces)
    )
