"""Pure, reusable filters of the archive (no access rule, no write): shared by filters, selectors and services."""

import datetime as dt

from django.utils import timezone

from crm.rules import rule_value
from customers.models import add_months


def refresh_due_cutoff(today: dt.date | None = None) -> dt.date:
    """Archives last verified on or before this day are due: those whose next verification date
    (Customer.next_verification_due) is today or earlier, the exact anniversary included. The cutoff
    is pushed past the days that month-end clamping maps onto today (29 February → 28 February)."""
    today = today or timezone.localdate()
    months = rule_value("ARCHIVE_REFRESH_MONTHS")
    cutoff = add_months(today, -months)
    while add_months(cutoff + dt.timedelta(days=1), months) <= today:
        cutoff += dt.timedelta(days=1)
    return cutoff


class OrderedByListName:
    """The archives of `qs` in the order of a short admin list's name (the sales territory, the industry, the
    nature), then by id, for a paginator: what `ORDER BY region.name, id` asks, without that ordering's join
    and sort of every readable archive (0.5 s for the GM at 100,000 archives, issue 9).

    The list's entries are read in name order (a few rows); a page is then read entry by entry, each by
    `WHERE region_id = X ORDER BY id`, which the primary key's index serves at once. The first page needs no
    count per entry (it stops when full); a later one counts the archives per entry first (one GROUP BY).
    Archives without an entry come where the database puts NULLs in that direction."""

    ordered = True

    def __init__(self, qs, field: str, descending: bool = False):
        self.qs = qs.order_by()
        self.field = field
        self.descending = descending
        self.model = qs.model._meta.get_field(field).related_model

    def values(self, *fields):
        return self.qs.values(*fields)

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def _entries(self) -> list:
        from django.db import connection

        entries = list(self.model.objects.order_by("-name" if self.descending else "name")
                       .values_list("pk", flat=True))
        # PostgreSQL sorts NULLs as the largest value (last ascending), SQLite as the smallest.
        nulls_last = connection.features.nulls_order_largest != self.descending
        return [*entries, None] if nulls_last else [None, *entries]

    def _of(self, entry):
        rows = self.qs.filter(**{f"{self.field}__isnull": True} if entry is None else {f"{self.field}_id": entry})
        return rows.order_by("-pk" if self.descending else "pk")

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key:key + 1][0]
        start, stop = key.start or 0, key.stop
        rows = []
        if start == 0:
            for entry in self._entries():
                need = None if stop is None else stop - len(rows)
                if need is not None and need <= 0:
                    break
                rows += list(self._of(entry)[:need])
            return rows
        from django.db.models import Count

        counts = dict(self.qs.values_list(self.field).annotate(n=Count("*")).order_by())
        offset = 0
        for entry in self._entries():
            n = counts.get(entry, 0)
            if stop is not None and offset >= stop:
                break
            if n and offset + n > start:
                low = max(start - offset, 0)
                high = None if stop is None else min(stop - offset, n)
                rows += list(self._of(entry)[low:high])
            offset += n
        return rows


class IdsFirst:
    """`qs` for a paginator, its page read as `WHERE id IN (<the page's ids in qs's order>)` in qs's order: the
    inner query is narrow, answered by the indexes alone (customer_name_id_cover holds the name order and
    the read rule's columns), and only the page's rows are read, with what `qs` joins and prefetches. A
    deep page then skips index entries instead of whole rows (issue 9); still one query."""

    ordered = True

    def __init__(self, qs):
        self.qs = qs

    def values(self, *fields):
        return self.qs.values(*fields)

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key:key + 1][0]
        return list(self.qs.filter(pk__in=self.qs.values("pk")[key]))
