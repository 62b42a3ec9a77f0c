"""Filtering a column by a set of ids of any size.

Each bound value is one query parameter, and both SQLite and asyncpg stop at 32,767 of
them; "the reviews of a CEO's 50,000 subordinates" must still be one query. Small sets are
bound as usual, which keeps statements cacheable; large ones are written into the SQL as
integer literals, which is safe because every value is forced through `int()`.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.orm import InstrumentedAttribute

BOUND_IDS_LIMIT = 500


def in_ids(
    column: ColumnElement[int] | InstrumentedAttribute[int], ids: Collection[int]
) -> ColumnElement[bool]:
    values = sorted({int(value) for value in ids})
    if len(values) <= BOUND_IDS_LIMIT:
        return column.in_(values)
    return column.in_(bindparam(None, values, expanding=True, literal_execute=True))
