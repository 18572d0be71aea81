"""The credit operations `make bench` times (bench/run.py finds this module through INSTALLED_APPS)."""

from bench.operations import PAGE_TARGET_MS, SUMMARY_TARGET_MS, Op

OPERATIONS = [
    Op("API credit check [integration]", "integration", "/api/v1/customers/{customer}/credit-check/",
       {"amount": "1000.00"}, target_ms=30),
    Op("credit file [credit]", "credit", "/credit/customers/{customer}/", {}, PAGE_TARGET_MS),
    Op("credit queue [credit]", "credit", "/credit/", {}, SUMMARY_TARGET_MS),
    Op("form 5 [credit]", "credit", "/credit/customers/{customer}/form5/", {}, PAGE_TARGET_MS),
]
