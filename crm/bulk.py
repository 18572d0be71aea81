"""Bulk writes the ORM makes slow at scale.

`bulk_update` sends, for each field, `CASE WHEN id = 1 THEN … WHEN id = 2 THEN … END`: for 5,000 rows
and a dozen fields, 60,000 WHEN branches built in Python and parsed by the database for every batch.
On PostgreSQL, `bulk_update_values` sends one `UPDATE … FROM (VALUES …)` per batch instead: the rows
as a table of values joined to the target by primary key. Elsewhere (SQLite for `make run`) it falls
back to Django's bulk_update. Like bulk_update, it sends no signals and calls no save().
"""

from collections.abc import Sequence

from django.db import connections, router

BATCH_SIZE = 1000


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
    # Each value is cast to its column's type: VALUES would otherwise guess text or numeric.
    row_sql = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in concrete)
    names = ", ".join(quote(field.column) for field in columns)
    table = quote(opts.db_table)
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start:start + batch_size]
            params = []
            for obj in batch:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                for field in concrete:
                    params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM (VALUES {', '.join([row_sql] * len(batch))}) "
                f"AS v({names}) WHERE t.{quote(pk.column)} = v.{quote(pk.column)}", params)
            updated += cursor.rowcount
    return updated
