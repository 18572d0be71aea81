"""The credit operations `make bench` times (bench/run.py finds this module through INSTALLED_APPS).

The credit check is the freight system's, for a shipment (`shipment`: checking the same shipment again
replaces its hold, so the timed runs do not pile up reservations), of the customer with exactly 1,000
business records that credit/bench_data.py adds (`{check_customer}`)."""

from bench.operations import PAGE_TARGET_MS, SUMMARY_TARGET_MS, Op

CHECK_TARGET_MS = 30

OPERATIONS = [
    Op("API credit check [integration]", "integration", "/api/v1/customers/{check_customer}/credit-check/",
       {"amount": "1000.00", "shipment": "BENCH-SHIPMENT-1"}, target_ms=CHECK_TARGET_MS),
    Op("credit file [credit]", "credit", "/credit/customers/{customer}/", {}, PAGE_TARGET_MS),
    Op("credit queue [credit]", "credit", "/credit/", {}, SUMMARY_TARGET_MS),
    Op("form 5 [credit]", "credit", "/credit/customers/{customer}/form5/", {}, PAGE_TARGET_MS),
]


def terms() -> dict:
    from credit.bench_data import check_customer_id

    pk = check_customer_id()
    return {"check_customer": pk} if pk is not None else {}
