"""Ceiling for writes: a raw SQLite insert loop on this machine's disk, in WAL mode with the
durability Scimitar uses (PRAGMA synchronous), one row per transaction and 64 rows per
transaction (Scimitar's group commit joins up to 64 batches in one). Prints commits/s and rows/s.

    python3 bench/ceiling_sqlite.py DIR [full|normal] [SECONDS]
"""
import os
import sqlite3
import sys
import time
import uuid

directory = sys.argv[1]
sync = (sys.argv[2] if len(sys.argv) > 2 else "full").upper()
seconds = float(sys.argv[3] if len(sys.argv) > 3 else 3)
path = os.path.join(directory, f"ceiling-{uuid.uuid4().hex}.db")
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute(f"PRAGMA synchronous={sync}")
db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL)")
doc = "x" * 400  # about a stored SCIM user
for per_tx in (1, 64):
    commits = rows = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        db.execute("BEGIN IMMEDIATE")
        for _ in range(per_tx):
            db.execute("INSERT INTO t VALUES (?, ?, ?)", (uuid.uuid4().hex, uuid.uuid4().hex, doc))
        db.execute("COMMIT")
        commits += 1
        rows += per_tx
    print(f"{per_tx}\t{commits / seconds:.0f}\t{rows / seconds:.0f}")
db.close()
for suffix in ("", "-wal", "-shm"):
    try:
        os.remove(path + suffix)
    except FileNotFoundError:
        pass
