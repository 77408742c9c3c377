"""Users brought in from another auth server: readers per source format -> one `ImportedUser` -> one batched writer.

- `auth0.py` reads an Auth0 user export (NDJSON), `nhost.py` an Nhost `auth.users` table (CSV or PostgreSQL),
  `generic_csv.py` the documented generic CSV; each yields `ImportedUser` records, or `Unreadable` for a row it
  cannot make sense of.
- `writer.py` checks every record (email, phone, hash, duplicates in the file and in the database) and inserts
  the good ones in batches with SQLAlchemy Core, each batch one transaction.
"""
