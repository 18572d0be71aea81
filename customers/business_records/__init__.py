"""Business records (交易记录, SPEC §2.5): reads, the clerks' queue and who writes (`selectors`), the
one upsert engine behind the bulk API, the single-record API and the upload page (`upsert`), the
filters of the list and the API (`filters`), and the upload page's files (`files`)."""
