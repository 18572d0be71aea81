"""Compute again the complaints' stored durations in working hours on the calendar as it is now: after an
upgrade of the calendar library that learned a year it counted Monday to Friday until then, or to check.
A day changed in the admin does this by itself for the complaints spanning that day."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from complaints.jobs import complaint_durations_recompute


class Command(BaseCommand):
    help = "Recompute the complaints' working-hour durations (all, or those spanning --from … --to)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first local day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last local day, YYYY-MM-DD")

    def handle(self, *args, first=None, last=None, **options):
        try:
            bounds = {name: dt.date.fromisoformat(value) if value else None
                      for name, value in (("first", first), ("last", last))}
        except ValueError as error:
            raise CommandError(f"Dates are YYYY-MM-DD: {error}") from None
        changed = complaint_durations_recompute(**bounds)
        self.stdout.write(f"{changed} complaints' durations recomputed")
