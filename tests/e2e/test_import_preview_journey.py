"""A large import in the browser (issue 8): a 320-row file is checked by the worker while its page shows the
progress, its preview comes up with nothing saved, and only the confirmation writes it."""

import re

import pytest
from playwright.sync_api import expect

from customers.imports import jobs as import_jobs
from customers.models import Customer, ImportJob
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_320_row_import_shows_its_preview_before_saving(new_page, bob, monkeypatch):
    queued = []
    # The broker takes the tasks; the worker is this test, which runs them when it chooses.
    monkeypatch.setattr(import_jobs, "send_now", lambda name, *args: queued.append((name, *args)) or True)
    names = [f"舟山预览{n:03d}物流有限公司" for n in range(320)]
    csv_text = "Full name,Sales territory\n" + "".join(f"{name},华东\n" for name in names)
    page = log_in(new_page(), "bob")
    page.goto("/customers/import/")
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", files=[{"name": "big.csv", "mimeType": "text/csv",
                                             "buffer": csv_text.encode("utf-8")}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#job-state")).to_contain_text("Waiting for a worker to check the file")
    job = ImportJob.objects.get()
    assert queued == [("customers.tasks.import_preview_task", job.pk)]

    import_jobs.import_job_preview_run(job=job)  # the worker's check; the polled page reloads with its preview
    expect(page.locator("#preview")).to_contain_text("320 new")
    expect(page.locator("#preview-table")).to_contain_text(names[0])
    expect(page.locator("#job-state")).to_contain_text("Nothing is saved before you confirm")
    assert not Customer.objects.filter(name__in=names).exists(), "the preview must not save anything"

    page.locator("#confirm-form button").click()
    expect(page.locator("#job-state")).to_contain_text("Waiting for a worker to take the import")
    assert queued[-1] == ("customers.tasks.import_run_task", job.pk)
    assert not Customer.objects.filter(name__in=names).exists()
    import_jobs.import_job_run(job=job)  # the worker's write; the polled status shows the result
    expect(page.locator("#job-result")).to_contain_text("Imported: 320 new, 0 updated.")
    assert Customer.objects.filter(name__in=names).count() == 320
    expect(page).to_have_url(re.compile(rf"/customers/import/{job.pk}/$"))
