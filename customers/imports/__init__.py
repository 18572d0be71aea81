"""Import of customer archives and contacts (SPEC §2.1): the columns of a file (`columns`), the
all-or-nothing importers (`importers`), import jobs run in the worker (`jobs`), template files
(`template_files`) and the admin's result view (`admin_results`). Exports live in customers.exports.

The names below are re-exported for the doors that import them from the package."""

from customers.imports.importers import (  # noqa: F401
    KINDS,
    MAX_FILE_BYTES,
    ImportResult,
    can_export,
    can_import,
    contacts_import,
    customers_import,
    read_dataset,
    run_import,
)
from customers.imports.jobs import (  # noqa: F401
    import_is_async,
    import_job_create,
    import_job_dataset,
    import_job_preview,
    import_job_run,
)
from customers.imports.template_files import import_template  # noqa: F401
