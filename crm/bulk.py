"""Bulk writes the ORM makes slow at scale.

`bulk_update` sends, for each field, `CASE WHEN id = 1 THEN … WHEN id = 2 THEN … END`: for 5,000 rows
and a dozen fields, 60,000 WHEN branches built in Python and parsed by the database for every batch.
On PostgreSQL, `bulk_update_values` sends one `UPDATE … FROM UNNEST(…)` per batch instead: the rows
as a table of values (one array per column) joined to the target by primary key. Elsewhere (SQLite
for `make run`) it falls back to Django's bulk_update. Like bulk_update, it sends no signals and
calls no save().

`insert_rows` / `insert_objects` are bulk_create without its per-value machinery, for rows whose
ids are known beforehand (taken from the sequence) or left to the database: one INSERT per batch
(from UNNEST arrays on PostgreSQL, multi-row VALUES elsewhere), the values of plain fields (text,
numbers, booleans, foreign keys) sent as they are, the others prepared by their field.
"""

import gc
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connections, models, router
from django.utils import timezone

BATCH_SIZE = 1000


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a bulk operation: with thousands of parsed rows
    alive, each of its full passes walks them all, a third of a bulk upsert's time. The rows hold
    no reference cycles; reference counting frees them as before. Restored on the way out."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def bulk_update_values(objs: Sequence, fields: Sequence[str], *, batch_size: int = BATCH_SIZE,
                       using: str | None = None) -> int:
    """Write `fields` of the saved model instances `objs` (all of one model); returns the rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    db = using or router.db_for_write(model)
    connection = connections[db]
    if connection.vendor != "postgresql":
        return model._base_manager.using(db).bulk_update(objs, fields, batch_size=batch_size)
    opts = model._meta
    pk = opts.pk
    concrete = [opts.get_field(name) for name in fields]
    if any(field.primary_key or not field.concrete or field.many_to_many for field in concrete):
        raise ValueError("bulk_update_values writes concrete, non-key fields only.")
    quote = connection.ops.quote_name
    columns = [pk, *concrete]
    # The rows as one array per column (UNNEST), each cast to its column's type: a handful of
    # placeholders per batch instead of one per value, which the database parses and plans faster.
    arrays = ", ".join(f"%s::{field.db_type(connection).split('(')[0]}[]" for field in columns)
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in concrete)
    names = ", ".join(quote(field.column) for field in columns)
    table = quote(opts.db_table)
    sql = (f"UPDATE {table} AS t SET {assignments} FROM (SELECT * FROM UNNEST({arrays})) AS v({names}) "
           f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}")
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start:start + batch_size]
            params = [[pk.get_db_prep_save(obj.pk, connection) for obj in batch]]
            for field in concrete:
                attname, prepare = field.attname, field.get_db_prep_save
                params.append([prepare(getattr(obj, attname), connection) for obj in batch])
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated


# Fields whose Python value psycopg2 sends as it is: Django's preparation of them changes nothing
# for the values models hold (str, bool, int, None). Every other field goes through get_db_prep_save.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)


def _is_plain(field) -> bool:
    if field.is_relation:
        return _is_plain(field.target_field) and type(field).get_db_prep_save is models.ForeignKey.get_db_prep_save
    cls = type(field)
    return cls.__module__.startswith("django.db.models.fields") and isinstance(field, _PLAIN_FIELDS)


def insert_rows(model, rows: Sequence[dict[str, Any]], *, batch_size: int = BATCH_SIZE,
                using: str | None = None) -> int:
    """INSERT plain rows ({attname: Python value}) into `model`'s table, one statement per batch,
    without building model instances. A field missing from a row takes its default (auto_now and
    auto_now_add fields: now); a primary key missing from every row is left to the database.
    Sends no signals, writes no history. Returns the rows inserted."""
    if not rows:
        return 0
    db = using or router.db_for_write(model)
    connection = connections[db]
    opts = model._meta
    shapes = [set(shape) for shape in {tuple(row) for row in rows}]  # usually one: every row has the same keys
    given, complete = set().union(*shapes), set.intersection(*shapes)
    fields = [field for field in opts.concrete_fields if field.attname in given or not field.primary_key]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    table = quote(opts.db_table)
    # On PostgreSQL, COPY when every field's values have a text form here: the database reads the
    # rows without parsing a statement of thousands of values. Otherwise one array per column
    # (INSERT … SELECT * FROM UNNEST), as Django's bulk_create does.
    texts = [_copy_text(field, connection) for field in fields]
    copy = connection.vendor == "postgresql" and None not in texts
    unnest = connection.vendor == "postgresql" and not any(
        hasattr(field, "get_placeholder")
        or (field.target_field if field.is_relation else field).get_internal_type() not in connection.data_types
        for field in fields)
    arrays = ", ".join(f"(%s)::{field.db_type(connection).split('(')[0]}[]" for field in fields)
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            if copy and hasattr(cursor.cursor, "copy_expert"):
                columns = [_copy_column(text, _column(field, batch, connection, complete, prepare=False))
                           for field, text in zip(fields, texts, strict=True)]
                data = "".join("\t".join(values) + "\n" for values in zip(*columns, strict=True))
                cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", io.StringIO(data))
                inserted += len(batch)
                continue
            columns = [_column(field, batch, connection, complete) for field in fields]
            if unnest:
                cursor.execute(f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays})", columns)
            else:
                row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
                cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([row_sql] * len(batch))}",
                               [value for values in zip(*columns, strict=True) for value in values])
            inserted += cursor.rowcount
    return inserted


def _column(field, rows: Sequence[dict[str, Any]], connection, complete: set[str], *,
            prepare: bool = True) -> list:
    """The database values of one field for `rows` (the Python values when not `prepare`); `complete`
    names the fields every row gives."""
    name = field.attname
    if name not in complete:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = timezone.now
        elif field.has_default() and callable(field.default):
            default = field.get_default
        else:
            constant = field.get_default()

            def default():
                return constant
        values = [row[name] if name in row else default() for row in rows]
    else:
        values = [row[name] for row in rows]
    if not prepare or _is_plain(field):
        return values
    prep = field.get_db_prep_save
    if type(field).__module__.startswith("django."):  # Django's fields store None as NULL unprepared
        return [None if value is None else prep(value, connection) for value in values]
    return [prep(value, connection) for value in values]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_INTEGER_TYPES = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                  "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
                  "PositiveBigIntegerField"}


def _copy_text(field, connection):
    """How COPY's text format spells the (non-null) values of `field`, as the field would prepare
    them: "text", "integer", "boolean" or a function of one value; None for the fields it does not
    know (then the rows go through INSERT)."""
    target = field.target_field if field.is_relation else field
    if not type(field).__module__.startswith("django.db.models") or hasattr(field, "get_placeholder"):
        return None
    kind = target.get_internal_type()
    if kind in ("CharField", "TextField", "SlugField"):
        return "text"
    if kind == "BooleanField":
        return "boolean"
    if kind in _INTEGER_TYPES:
        return "integer"
    if kind == "DecimalField":
        return lambda value: str(field.get_db_prep_save(value, connection))
    if kind in ("DateField", "DateTimeField"):
        return lambda value: field.get_db_prep_save(value, connection).isoformat()
    if kind == "JSONField":
        return lambda value: json.dumps(value, cls=field.encoder).translate(_COPY_ESCAPES)
    return None


_NULL = "\\N"


def _copy_column(text, values: list) -> list[str]:
    """One column's values in COPY's text format."""
    if all(value is None for value in values):
        return [_NULL] * len(values)
    if text == "integer":
        return [_NULL if value is None else str(int(value)) for value in values]
    if text == "boolean":
        return [_NULL if value is None else ("t" if value else "f") for value in values]
    if text != "text":
        return [_NULL if value is None else text(value) for value in values]
    strings = ["" if value is None else value if type(value) is str else str(value) for value in values]
    # Escaped all at once (NUL cannot be part of a PostgreSQL text, so it separates the values).
    escaped = "\x00".join(strings).translate(_COPY_ESCAPES).split("\x00")
    if len(escaped) != len(values):  # a NUL after all: escaped one by one, refused by the database
        escaped = [string.translate(_COPY_ESCAPES) for string in strings]
    return [_NULL if value is None else string for value, string in zip(values, escaped, strict=True)]


def insert_objects(objs: Sequence, *, batch_size: int = BATCH_SIZE, using: str | None = None) -> list[dict]:
    """INSERT new model instances (all of one model) whose primary keys are set, as bulk_create
    would (auto_now fields set on the instances, which are then saved ones), faster. Returns each
    instance's row ({attname: value}), e.g. to write history rows from."""
    if not objs:
        return []
    model = type(objs[0])
    db = using or router.db_for_write(model)
    fields = model._meta.concrete_fields
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    rows = []
    for obj in objs:
        if obj.pk is None:
            raise ValueError("insert_objects writes instances whose primary key is set.")
        for field in stamped:
            field.pre_save(obj, True)
        values = obj.__dict__
        rows.append({field.attname: values[field.attname] for field in fields})
    insert_rows(model, rows, batch_size=batch_size, using=db)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db
    return rows
