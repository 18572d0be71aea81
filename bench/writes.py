"""Time only the two writes of bench/run.py (the customer import and the bulk update of business
records), the same way run.py times them, optionally with a profile and the SQL query count.

    python bench/writes.py [--import-rows 2000] [--bulk-size 5000] [--runs 3] [--profile import|bulk]
                           [--queries]

The import is rolled back, the bulk update writes the same records back and forth, so the
benchmark database stays as generated.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--import-rows", type=int, default=2000)
    parser.add_argument("--bulk-size", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3, help="Timed runs of each (median reported).")
    parser.add_argument("--only", choices=("import", "bulk"), default=None)
    parser.add_argument("--profile", choices=("import", "bulk"), default=None)
    parser.add_argument("--queries", action="store_true", help="Count the SQL queries of one more run of each.")
    args = parser.parse_args()

    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import run

    run.IMPORT_ROWS = args.import_rows
    run.BULK_SIZE = args.bulk_size
    app = get_wsgi_application()
    personas, _terms = run._personas(app)
    print("scale: " + ", ".join(f"{v:,} {k}" for k, v in run.scale().items()), flush=True)

    def timed(name, call):
        if args.profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            call()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        if args.queries:
            with CaptureQueriesContext(connection) as queries:
                call()
            print(f"{name}: {len(queries)} queries", flush=True)

    if args.only in (None, "import"):
        clerk = personas["clerk"].user
        run.time_import(clerk)  # warm-up
        rates = [run.time_import(clerk) for _ in range(args.runs)]
        print(f"import of {args.import_rows:,} rows: {statistics.median(rates):,.0f} rows/s "
              f"(runs: {', '.join(f'{r:,.0f}' for r in rates)})", flush=True)
        timed("import", lambda: run.time_import(clerk))
    if args.only in (None, "bulk"):
        integration = personas["integration"]
        rate = run.time_bulk_update(integration, runs=args.runs)
        print(f"bulk update of {args.bulk_size:,} records: {rate:,.0f} records/s", flush=True)
        timed("bulk", lambda: run.time_bulk_update(integration, runs=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
