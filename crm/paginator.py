"""A paginator for lists of tens of thousands of rows: it counts at most COUNT_CAP rows.

An exact COUNT(*) reads every matching row on every page, 100,000 of them for the GM's customer list;
beyond a few thousand nobody pages through a list, they narrow it. So the count stops at the cap
(`SELECT COUNT(*) FROM (… LIMIT cap + 1)`, which the database ends early), the last reachable page is
the cap's, and `count_label` shows "10000+" when there are more. Below the cap, the count is exact
and `count_label` is the number itself.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *args, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        values = getattr(self.object_list, "values", None)
        if values is None:
            return super().count
        n = values("pk").order_by()[: self.cap + 1].count()
        self.capped = n > self.cap
        return min(n, self.cap)

    @property
    def count_label(self) -> int | str:
        count = self.count
        return f"{count}+" if self.capped else count
