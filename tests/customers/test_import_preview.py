"""Large imports get the same preview and confirmation as small ones (issue 8): the worker checks the file
(pending → previewing → previewed), nothing is written before the uploader confirms, the write then runs
in the worker (pending + confirmed_at → running → done); a file may be discarded until it is written; a
repeated, late or interrupted task does nothing twice; the page and the error report show the check."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import ApplicationError, PermissionDeniedError
from customers.imports import jobs as import_jobs
from customers.imports.jobs import (
    import_job_cancel,
    import_job_confirm,
    import_job_preview_run,
    import_job_run,
    import_jobs_mark_interrupted,
)
from customers.models import Customer, ImportJob
from customers.tasks import import_preview_task, import_run_task
from tests.customers.test_imports import ZH_HEADERS, csv_bytes, zh_row
from tests.factories import CustomerFactory, make_credit_code

pytestmark = pytest.mark.django_db


def _upload(client, rows, filename="big.csv"):
    return client.post(reverse("customers:import"), {
        "kind": "customers", "file": SimpleUploadedFile(filename, csv_bytes([ZH_HEADERS, *rows]))})


def _names(prefix, n):
    return [f"{prefix}{i:03d}物流有限公司" for i in range(n)]


def _job(user, names, **fields):
    content = ("\ufeff收发货单位全称\n" + "\n".join(names) + "\n").encode()
    return ImportJob.objects.create(kind="customers", user=user, total_rows=len(names),
                                    file=SimpleUploadedFile("job.csv", content), **fields)


@pytest.fixture
def async_imports(settings):
    settings.CRM = {**settings.CRM, "IMPORT_ASYNC_ROWS": 0}


def test_a_320_row_file_is_previewed_in_the_worker_and_written_only_on_confirm(
        bob, client, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    names = _names("嘉善预览", 320)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(client, [zh_row(name) for name in names])
    job = ImportJob.objects.get()
    # Above IMPORT_ASYNC_ROWS (300): the upload only queues the check, nothing is read yet.
    assert (job.status, job.total_rows, job.processed_rows, job.confirmed_at) == ("pending", 320, 0, None)
    assert len(callbacks) == 1
    callbacks[0]()  # the broker takes the check; in tests it runs at once
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.attempts) == ("previewed", 320, 1)
    assert job.queued_at is not None and job.errors == []
    assert {key: job.preview[key] for key in ("total_rows", "created", "updated", "unchanged", "error_count")} == {
        "total_rows": 320, "created": 320, "updated": 0, "unchanged": 0, "error_count": 0}
    assert len(job.preview["rows"]) == 50 and job.preview["rows"][0]["row"] == 2
    assert not Customer.objects.filter(name__in=names).exists()  # nothing written before the confirmation

    with django_assert_max_num_queries(12):
        page = client.get(response.url)
    html = page.content.decode()
    assert "confirm-form" in html and "Import: 320 new, 0 updated" in html and "First 50 of 320 rows" in html
    assert names[0] in html and names[60] not in html
    assert not Customer.objects.filter(name__in=names).exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("customers:import_confirm", args=[job.pk]), follow=True)
    assert "Confirmed: the file is being imported in the background." in confirmed.content.decode()
    job.refresh_from_db()
    assert (job.status, job.created_count, job.updated_count, job.processed_rows) == ("done", 320, 0, 320)
    assert Customer.objects.filter(name__in=names).count() == 320
    # A second click, or the broker delivering either task again: nothing more happens.
    client.post(reverse("customers:import_confirm", args=[job.pk]))
    assert import_run_task.delay(job.pk).get() == "done"
    assert import_preview_task.delay(job.pk).get() == "done"
    assert Customer.objects.filter(name__in=names).count() == 320


def test_a_check_in_progress_is_polled_with_its_progress(bob, client, async_imports):
    job = _job(bob, _names("海盐进度", 10), status="previewing", processed_rows=4, heartbeat_at=timezone.now())
    client.force_login(bob)
    html = client.get(reverse("customers:import_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in html and 'data-width="40%"' in html and "Checking the file" in html
    assert 'data-phase="preview"' in html and "cancel-form" in html
    html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "confirm-form" not in html and 'id="preview"' not in html


def test_an_upload_page_says_the_big_file_is_checked_first(bob, client, settings, monkeypatch):
    settings.CRM = {**settings.CRM, "IMPORT_ASYNC_ROWS": 1}
    client.force_login(bob)
    # As outside a test's transaction: the check is queued when the upload's transaction commits.
    monkeypatch.setattr(import_jobs.transaction, "on_commit", lambda callback, **kwargs: callback())
    response = client.post(reverse("customers:import"), {"kind": "customers", "file": SimpleUploadedFile(
        "two.csv", csv_bytes([ZH_HEADERS, zh_row("平湖甲有限公司"), zh_row("平湖乙有限公司")]))}, follow=True)
    html = response.content.decode()
    assert "it is checked in the background. Nothing is saved before you confirm its preview." in html
    assert "The file is checked." in html and "Import: 2 new, 0 updated" in html


def test_cancel_a_previewed_file_and_nothing_can_confirm_it_afterwards(bob, client, async_imports):
    names = _names("桐乡取消", 3)
    job = _job(bob, names)
    assert import_preview_task.delay(job.pk).get() == "previewed"
    client.force_login(bob)
    response = client.post(reverse("customers:import_cancel", args=[job.pk]), follow=True)
    assert "The import was cancelled; nothing was imported." in response.content.decode()
    job.refresh_from_db()
    assert job.status == "cancelled"
    html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "Cancelled: nothing was imported." in html and "confirm-form" not in html and "restart-form" not in html

    response = client.post(reverse("customers:import_confirm", args=[job.pk]), follow=True)
    assert "not waiting for a confirmation" in response.content.decode()
    with pytest.raises(ApplicationError):
        import_job_cancel(job=job, user=bob)  # twice
    assert import_preview_task.delay(job.pk).get() == "cancelled"
    assert import_run_task.delay(job.pk).get() == "cancelled"
    job.refresh_from_db()
    assert (job.status, job.confirmed_at, job.attempts) == ("cancelled", None, 1)
    assert not Customer.objects.filter(name__in=names).exists()


def test_a_check_that_ends_after_a_cancel_stores_nothing(bob, async_imports, monkeypatch):
    job = _job(bob, _names("海宁迟到", 2))
    real_run_import = import_jobs.run_import

    def cancelled_meanwhile(**kwargs):
        import_job_cancel(job=job, user=bob)  # the uploader's click while the worker checks
        return real_run_import(**kwargs)

    monkeypatch.setattr(import_jobs, "run_import", cancelled_meanwhile)
    assert import_job_preview_run(job=job).status == "cancelled"
    job.refresh_from_db()
    assert (job.status, job.preview) == ("cancelled", {})


def test_a_small_file_may_be_discarded_too(bob, client):
    client.force_login(bob)
    response = _upload(client, [zh_row("德清小文件有限公司")], filename="small.csv")
    job = ImportJob.objects.get()
    html = client.get(response.url).content.decode()
    assert "confirm-form" in html and "cancel-form" in html
    client.post(reverse("customers:import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled"
    client.post(reverse("customers:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled" and not Customer.objects.filter(name="德清小文件有限公司").exists()


def test_a_file_being_written_cannot_be_cancelled(bob, async_imports):
    job = _job(bob, _names("长兴写入", 1), status="running", confirmed_at=timezone.now(), heartbeat_at=timezone.now())
    with pytest.raises(ApplicationError, match="cannot be cancelled"):
        import_job_cancel(job=job, user=bob)
    job.refresh_from_db()
    assert job.status == "running"


def test_a_preview_with_errors_cannot_be_confirmed(bob, async_imports, django_capture_on_commit_callbacks):
    content = csv_bytes([ZH_HEADERS, zh_row("安吉好有限公司"), zh_row("安吉坏有限公司", region="火星")])
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=2,
                                   file=SimpleUploadedFile("bad.csv", content))
    assert import_preview_task.delay(job.pk).get() == "previewed"
    job.refresh_from_db()
    assert (job.preview["created"], job.preview["error_count"], len(job.errors)) == (1, 1, 1)
    with pytest.raises(ApplicationError, match="nothing can be imported"):
        import_job_confirm(job=job, user=bob)
    job.refresh_from_db()
    assert (job.status, job.confirmed_at) == ("previewed", None)
    assert import_run_task.delay(job.pk).get() == "previewed"  # a write task for an unconfirmed job: nothing
    assert not Customer.objects.filter(name__startswith="安吉").exists()


def test_the_error_report_lists_every_error_of_a_large_and_of_a_small_file(bob, client, settings):
    settings.CRM = {**settings.CRM, "IMPORT_ASYNC_ROWS": 3}
    rows = [zh_row(f"湖州错误{n}有限公司", region="火星") for n in range(4)]
    large = ImportJob.objects.create(kind="customers", user=bob, total_rows=4,
                                     file=SimpleUploadedFile("bad.csv", csv_bytes([ZH_HEADERS, *rows])))
    import_preview_task.delay(large.pk).get()
    small = ImportJob.objects.create(kind="customers", user=bob, total_rows=1,
                                     file=SimpleUploadedFile("bad.csv", csv_bytes([ZH_HEADERS, rows[0]])))
    client.force_login(bob)
    html = client.get(reverse("customers:import_job", args=[large.pk])).content.decode()
    assert "errors-download" in html and "The file has 4 errors" in html
    for job, expected in ((large, 4), (small, 1)):
        response = client.get(reverse("customers:import_errors", args=[job.pk]))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        content = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
        table = list(csv.reader(io.StringIO(content)))
        assert table[0] == ["Row", "Column", "Reason"]
        assert [(line[0], line[1]) for line in table[1:]] == [(str(n + 2), "区域") for n in range(expected)]
        assert "火星" in table[1][2]


def test_only_the_uploader_reaches_a_job(bob, dora, alice, client, async_imports):
    job = _job(bob, _names("南浔权限", 1))
    import_preview_task.delay(job.pk).get()
    for user in (dora, alice):  # a head of the same team, an account manager (who may not import)
        client.force_login(user)
        assert client.get(reverse("customers:import_job", args=[job.pk])).status_code == 404
        assert client.get(reverse("customers:import_errors", args=[job.pk])).status_code == 404
        for name in ("import_confirm", "import_cancel", "import_restart"):
            assert client.post(reverse(f"customers:{name}", args=[job.pk])).status_code == 404
    with pytest.raises(PermissionDeniedError):
        import_job_confirm(job=job, user=dora)
    with pytest.raises(PermissionDeniedError):
        import_job_cancel(job=job, user=dora)
    job.refresh_from_db()
    assert (job.status, job.confirmed_at) == ("previewed", None)


def test_an_interrupted_check_can_be_started_again_and_writes_nothing(bob, client, async_imports):
    names = _names("吴兴中断", 2)
    silent = timezone.now() - dt.timedelta(minutes=10)
    job = _job(bob, names, status="previewing", processed_rows=1, heartbeat_at=silent, attempts=1,
               queued_at=silent)
    client.force_login(bob)
    html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "No worker is checking this file any more" in html and "restart-form" in html
    assert 'hx-trigger="every 1s"' not in html

    assert import_jobs_mark_interrupted() == 1
    job.refresh_from_db()
    assert job.status == "interrupted"
    html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "The worker checking this file stopped before it finished" in html and "Check the file again" in html

    client.post(reverse("customers:import_restart", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.attempts, job.preview["created"], job.confirmed_at) == ("previewed", 2, 2, None)
    assert not Customer.objects.filter(name__in=names).exists()
    # Delivered again by the broker afterwards: nothing more happens.
    assert import_preview_task.delay(job.pk).get() == "previewed"
    job.refresh_from_db()
    assert job.attempts == 2


def test_an_interrupted_write_is_started_again_as_a_write(bob, client, async_imports):
    names = _names("南太湖中断", 2)
    silent = timezone.now() - dt.timedelta(minutes=10)
    job = _job(bob, names, status="interrupted", confirmed_at=silent, attempts=2)
    client.force_login(bob)
    html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "The worker running this import stopped" in html and "Run the import again" in html
    client.post(reverse("customers:import_restart", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == ("done", 2, 3)
    assert Customer.objects.filter(name__in=names).count() == 2


def test_the_write_checks_the_rows_again_and_writes_nothing_if_one_became_wrong(bob, async_imports,
                                                                                django_capture_on_commit_callbacks):
    credit = make_credit_code(88)
    content = csv_bytes([ZH_HEADERS, zh_row("秀洲先到有限公司"), zh_row("秀洲后到有限公司", credit=credit)])
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=2,
                                   file=SimpleUploadedFile("late.csv", content))
    assert import_preview_task.delay(job.pk).get() == "previewed"
    job.refresh_from_db()
    assert job.preview["created"] == 2 and job.preview["error_count"] == 0
    CustomerFactory(owner=bob, team=bob.teams.first(), name="秀洲别人有限公司", credit_code=credit)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_job_confirm(job=job, user=bob) is True
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("failed", 0)
    assert [(error["row"], error["column"]) for error in job.errors] == [(3, "统一社会信用代码")]
    assert not Customer.objects.filter(name__in=["秀洲先到有限公司", "秀洲后到有限公司"]).exists()


def test_a_database_error_during_the_check_hands_the_job_back_for_the_retry(bob, async_imports, monkeypatch):
    from django.db import OperationalError

    job = _job(bob, _names("嘉兴重试", 1), queued_at=timezone.now())

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(import_jobs, "run_import", database_gone)
    with pytest.raises(OperationalError):
        import_job_preview_run(job=job)
    job.refresh_from_db()
    assert (job.status, job.heartbeat_at, job.attempts) == ("pending", None, 1)
    monkeypatch.undo()
    assert import_job_preview_run(job=job).status == "previewed"


def test_a_small_file_confirmed_in_the_request_is_stamped_confirmed(bob):
    job = _job(bob, ["秀水小文件有限公司"])
    job = import_job_run(job=job, confirm=True)
    assert job.status == "done" and job.confirmed_at is not None


def test_the_admin_shows_the_check_of_a_large_file(admin_user, client):
    job = _job(admin_user, _names("定海后台", 3), status="previewed", processed_rows=3,
               preview={"total_rows": 3, "created": 2, "updated": 1, "unchanged": 0, "error_count": 0})
    client.force_login(admin_user)
    html = client.get(reverse("admin:customers_importjob_change", args=[job.pk])).content.decode()
    assert "Awaiting confirmation" in html and "2 new, 1 updated, 0 unchanged, 0 errors" in html
    html = client.get(reverse("admin:customers_importjob_changelist") + "?status=previewed").content.decode()
    assert "Awaiting confirmation" in html and f"/{job.pk}/change/" in html
