"""Import of customer archives and contacts (SPEC §2.1): the columns of a file (`columns`), the
all-or-nothing importers (`importers`), import jobs run in the worker (`jobs`), template files
(`template_files`) and the admin's result view (`admin_results`). Exports live in customers.exports.
Import each name from its own module."""
