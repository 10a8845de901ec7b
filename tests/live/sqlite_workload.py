#!/usr/bin/env python3
"""A write-heavy SQLite workload for sqlite3's own shell, in the spirit of
speedtest1: an in-memory database (its pages are the shell's heap) filled
with ROWS rows over three indexed tables, then ROUNDS rounds of updates,
deletes and inserts in transactions, a VACUUM half way; it ends with
PRAGMA integrity_check and a SHA3 of every table's contents, which must
equal the same script's on the normal heap.

usage: sqlite_workload.py ROWS ROUNDS > workload.sql
"""
import sys


def main():
    rows, rounds = int(sys.argv[1]), int(sys.argv[2])
    out = [
        "PRAGMA cache_size = -262144;",
        "CREATE TABLE t1(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c BLOB);",
        "CREATE TABLE t2(id INTEGER PRIMARY KEY, t1 INTEGER, v REAL, note TEXT);",
        "CREATE TABLE t3(k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;",
        "BEGIN;",
        # deterministic contents: every value a function of the row id
        f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) "
        "INSERT INTO t1 SELECT i, (i * 7919) % 100003, printf('%08d-%s', i, substr(hex(zeroblob(64)), 1, "
        "(i % 97) + 20)), zeroblob((i % 251) + 100) FROM s;",
        f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) "
        "INSERT INTO t2 SELECT i, (i * 31) % " + str(rows) + " + 1, i / 3.0, printf('n%d', i * i) FROM s;",
        f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows // 2}) "
        "INSERT INTO t3 SELECT printf('key-%09d', (i * 48271) % 2147483647), i FROM s;",
        "CREATE INDEX t1a ON t1(a);",
        "CREATE INDEX t1b ON t1(b);",
        "CREATE INDEX t2t1 ON t2(t1, v);",
        "COMMIT;",
    ]
    for r in range(rounds):
        out += [
            "BEGIN;",
            f"UPDATE t1 SET a = a + {r + 1}, b = b || '{r % 10}' WHERE id % 13 = {r % 13};",
            f"UPDATE t2 SET v = v * 1.5 + {r}, note = note || 'x' WHERE id % 17 = {r % 17};",
            f"DELETE FROM t1 WHERE id % 101 = {r % 101} AND a % 2 = 0;",
            f"INSERT OR REPLACE INTO t3 SELECT printf('round-%d-%d', {r}, id), a FROM t1 "
            f"WHERE id % 211 = {r % 211};",
            f"INSERT INTO t1(a, b, c) SELECT a + 1, b || 'r{r}', c FROM t1 WHERE id % 307 = {r % 307};",
            "COMMIT;",
        ]
        if r == rounds // 2:
            out.append("VACUUM;")
    out += [
        "PRAGMA integrity_check;",
        "SELECT 'rows', (SELECT count(*) FROM t1), (SELECT count(*) FROM t2), (SELECT count(*) FROM t3);",
        "SELECT 'sha3', hex(sha3_query('SELECT * FROM t1 ORDER BY id')), "
        "hex(sha3_query('SELECT * FROM t2 ORDER BY id')), hex(sha3_query('SELECT * FROM t3 ORDER BY k'));",
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
