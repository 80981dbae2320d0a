"""Storage: schema, migrations, repositories and the sealed blob store.

The store holds no keys: it keeps ciphertext it is given and clear, coded
columns for queries. SQLite (WAL, foreign keys, full sync) is the embedded
default; PostgreSQL is reached by URL.
"""
