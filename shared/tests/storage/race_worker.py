"""One racer of ``test_cross_process``: compare-and-set increments on one document.

``python race_worker.py sqlite PATH DOC ATTEMPTS`` or ``… mongodb URL/DATABASE DOC ATTEMPTS``.
Prints ``ready``, waits for a line on stdin (so both racers start together), then prints the
JSON count of its successful and refused writes. The MongoDB store runs without the in-process
lock: the race is against the server alone.
"""

from __future__ import annotations

import asyncio
import json
import sys

from warmflow_shared.storage.mongo import MongoStore
from warmflow_shared.storage.port import DocumentStore, VersionConflict
from warmflow_shared.storage.sqlite import SqliteStore


def _open(backend: str, where: str) -> DocumentStore:
    if backend == "sqlite":
        return SqliteStore(where)
    url, database = where.rsplit("/", 1)
    return MongoStore(url + "/", database, serialise_writes=False)


async def race(backend: str, where: str, doc_id: str, attempts: int) -> dict[str, int]:
    store = _open(backend, where)
    coll = store.collection("racing")
    await coll.get(doc_id)  # connect before the start line
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    won = refused = 0
    for _ in range(attempts):
        doc = await coll.get(doc_id)
        assert doc is not None
        try:
            await coll.replace({**doc, "n": doc["n"] + 1}, expected_version=doc["version"])
            won += 1
        except VersionConflict:
            refused += 1
    await store.close()
    return {"won": won, "refused": refused}


if __name__ == "__main__":
    backend, where, doc_id, attempts = sys.argv[1:5]
    print(json.dumps(asyncio.run(race(backend, where, doc_id, int(attempts)))), flush=True)
