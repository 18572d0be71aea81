"""The monthly performance and credit table (客户业绩统计及信用评估表, form 5, SPEC §2.6): per customer, one
column per month (1–12) and a total: contract numbers, deviations from the contract rate, shipments
(count, volume, dates), amounts, payments received and their dates, cumulative sales and payments, the
current credit evaluation, and the same period of the year before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from customers.models import BusinessRecord, Customer

ZERO = Decimal("0")
MONTHS = range(1, 13)


def _blank() -> dict:
    return {"contracts": set(), "deviations": 0, "shipments": 0, "volume": ZERO, "dates": [], "amount": ZERO,
            "paid": ZERO, "paid_dates": []}


def _collect(customer: Customer, year: int) -> dict[int, dict]:
    months = {month: _blank() for month in MONTHS}
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = BusinessRecord.objects.filter(customer=customer).filter(date__range=(start, end)).values_list(
        "date", "contract_no", "volume", "amount", "unit_price", "contract_unit_price")
    for date, contract_no, volume, amount, unit_price, contract_price in rows:
        month = months[date.month]
        if contract_no:
            month["contracts"].add(contract_no)
        if unit_price is not None and contract_price and unit_price != contract_price:
            month["deviations"] += 1
        month["shipments"] += 1
        month["volume"] += volume or ZERO
        month["amount"] += amount
        month["dates"].append(date.day)
    payments = BusinessRecord.objects.filter(customer=customer, paid_date__range=(start, end)).values_list(
        "paid_date", "paid_amount")
    for paid_date, paid in payments:
        months[paid_date.month]["paid"] += paid or ZERO
        months[paid_date.month]["paid_dates"].append(paid_date.day)
    return months


def _days(days: list[int]) -> str:
    return ", ".join(str(day) for day in sorted(set(days)))


def form5_data(customer: Customer, year: int, *, evaluation=None, grade_label: str = "",
               integrity_label: str = "") -> dict:
    """The table as rows of (label, 12 month cells, total), ready for the page and the XLSX."""
    this, last = _collect(customer, year), _collect(customer, year - 1)
    cumulative_sales = cumulative_paid = ZERO
    cum_sales, cum_paid = [], []
    for month in MONTHS:
        cumulative_sales += this[month]["amount"]
        cumulative_paid += this[month]["paid"]
        cum_sales.append(cumulative_sales)
        cum_paid.append(cumulative_paid)

    def row(label, values, total, kind="text"):
        return {"label": label, "cells": values, "total": total, "kind": kind}

    rows = [
        row(_("Contract no."), [", ".join(sorted(this[m]["contracts"])) for m in MONTHS],
            len(set().union(*(this[m]["contracts"] for m in MONTHS)))),
        row(_("Deviations from the contract rate"), [this[m]["deviations"] for m in MONTHS],
            sum(this[m]["deviations"] for m in MONTHS), "number"),
        row(_("Shipments"), [this[m]["shipments"] for m in MONTHS], sum(this[m]["shipments"] for m in MONTHS),
            "number"),
        row(_("Shipment days"), [_days(this[m]["dates"]) for m in MONTHS], ""),
        row(_("Volume"), [this[m]["volume"] for m in MONTHS], sum((this[m]["volume"] for m in MONTHS), ZERO),
            "number"),
        row(_("Amount (CNY)"), [this[m]["amount"] for m in MONTHS], cumulative_sales, "money"),
        row(_("Payments received (CNY)"), [this[m]["paid"] for m in MONTHS], cumulative_paid, "money"),
        row(_("Payment days"), [_days(this[m]["paid_dates"]) for m in MONTHS], ""),
        row(_("Cumulative sales (CNY)"), cum_sales, cumulative_sales, "money"),
        row(_("Cumulative payments (CNY)"), cum_paid, cumulative_paid, "money"),
        row(_("Amount, same period last year (CNY)"), [last[m]["amount"] for m in MONTHS],
            sum((last[m]["amount"] for m in MONTHS), ZERO), "money"),
        row(_("Payments, same period last year (CNY)"), [last[m]["paid"] for m in MONTHS],
            sum((last[m]["paid"] for m in MONTHS), ZERO), "money"),
    ]
    return {"customer": customer, "year": year, "months": list(MONTHS), "rows": rows, "evaluation": evaluation,
            "grade_label": grade_label, "integrity_label": integrity_label}


def form5_sheet(data: dict) -> tuple[str, list, list]:
    """(title, headers, rows) for crm.tabular.write_xlsx."""
    headers = [_("Item"), *[str(m) for m in data["months"]], _("Total")]
    rows = [[row["label"], *row["cells"], row["total"]] for row in data["rows"]]
    evaluation = data["evaluation"]
    rows.append([_("Current credit evaluation"), data["grade_label"],
                 _("score %(score)s") % {"score": evaluation.score} if evaluation else "", data["integrity_label"]])
    return (f"{data['customer'].code} {data['year']}", headers, rows)
