"""A workload of the Python cassandra-driver through the Cutover proxy.

    python workload.py HOST PORT KEYSPACE

Connects WITHOUT setting protocol_version, so the driver starts at its highest version
and has to downgrade (unless WORKLOAD_PROTOCOL sets one; WORKLOAD_COMPRESSION asks for lz4,
snappy or none), runs one statement of each kind, and prints one JSON object on
stdout with what it observed. A step that fails is recorded as {"error": "..."} and the
next step still runs. Set WORKLOAD_DEBUG=1 for the driver's DEBUG log on stderr.
"""

import json
import logging
import os
import sys

from cassandra.cluster import Cluster
from cassandra.query import BatchStatement, BatchType, SimpleStatement

host, port, ks = sys.argv[1], int(sys.argv[2]), sys.argv[3]
logging.basicConfig(level=logging.DEBUG if os.environ.get("WORKLOAD_DEBUG") else logging.ERROR, stream=sys.stderr)


def plain(value):
    """A driver value as JSON: sets and lists as lists, maps and UDTs as objects."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset, list, tuple)) or type(value).__name__ == "SortedSet":
        return [plain(v) for v in value]
    return value


def rows(result):
    return [plain(row) for row in result]


observed = {}


def step(name, run):
    try:
        observed[name] = run()
    except Exception as error:  # noqa: BLE001 -- the test reports every failed step
        logging.exception("step %s failed", name)
        observed[name] = {"error": f"{type(error).__name__}: {error}"}


options = {}
if os.environ.get("WORKLOAD_PROTOCOL"):
    options["protocol_version"] = int(os.environ["WORKLOAD_PROTOCOL"])
if os.environ.get("WORKLOAD_COMPRESSION"):
    options["compression"] = False if os.environ["WORKLOAD_COMPRESSION"] == "none" else os.environ["WORKLOAD_COMPRESSION"]
cluster = Cluster([host], port=port, **options)
try:
    session = cluster.connect()
except Exception as error:
    logging.exception("connect failed")
    print(json.dumps({"connect": {"error": f"{type(error).__name__}: {error}"}}))
    sys.exit(1)
observed["connect"] = True
observed["protocol_version"] = cluster.protocol_version
# The compression the control connection negotiated: None unless the proxy offered the one asked for.
observed["compression"] = getattr(cluster.control_connection._connection, "_compression_type", None)
# What the driver read from the proxy's virtual system.local.
observed["partitioner"] = cluster.metadata.partitioner
observed["cluster_name"] = cluster.metadata.cluster_name


def create_schema():
    agreed = []
    for statement in [
        f"CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}",
        f"CREATE TYPE {ks}.address (street text, zip int)",
        f"CREATE TABLE {ks}.items (id int PRIMARY KEY, name text, tags set<text>, scores list<int>, attrs map<text, int>, home frozen<address>)",
        f"CREATE TABLE {ks}.pages (p int, c int, v text, PRIMARY KEY (p, c))",
        f"CREATE TABLE {ks}.counts (id int PRIMARY KEY, hits counter)",
    ]:
        agreed.append(session.execute(statement).response_future.is_schema_agreed)
    tables = session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", [ks])
    return {"schema_agreed": agreed, "tables": sorted(row.table_name for row in tables)}


step("create", create_schema)

insert = None


def simple_insert():
    session.execute(
        f"INSERT INTO {ks}.items (id, name, tags, scores, attrs, home) "
        f"VALUES (1, 'simple', {{'a', 'b'}}, [1, 2], {{'x': 1}}, {{street: 'Main', zip: 1}})"
    )
    return True


def prepared_insert():
    global insert
    insert = session.prepare(f"INSERT INTO {ks}.items (id, name, tags, scores, attrs, home) VALUES (?, ?, ?, ?, ?, ?)")
    session.execute(insert, (2, "prepared", {"c"}, [3, 4], {"y": 2}, ("Elm", 2)))
    return True


def logged_batch():
    batch = BatchStatement(batch_type=BatchType.LOGGED)
    for id in (10, 11, 14, 15):
        batch.add(insert, (id, f"logged {id}", {f"tag {id}"}, [id, id + 1], {f"key {id}": id}, (f"{id} Oak Street", id)))
    session.execute(batch)
    return True


def unlogged_batch():
    batch = BatchStatement(batch_type=BatchType.UNLOGGED)
    batch.add(insert, (12, "unlogged", None, None, None, None))
    batch.add(SimpleStatement(f"INSERT INTO {ks}.items (id, name) VALUES (%s, %s)"), (13, "unlogged simple"))
    session.execute(batch)
    return True


step("simple_insert", simple_insert)
step("prepared_insert", prepared_insert)
step("logged_batch", logged_batch)
step("unlogged_batch", unlogged_batch)
step("read", lambda: sorted(rows(session.execute(f"SELECT id, name, tags, scores, attrs, home FROM {ks}.items")), key=lambda r: r["id"]))


def paged_read():
    insert_page = session.prepare(f"INSERT INTO {ks}.pages (p, c, v) VALUES (1, ?, ?)")
    for c in range(250):
        session.execute(insert_page, (c, f"v{c}"))
    result = session.execute(SimpleStatement(f"SELECT c FROM {ks}.pages WHERE p = 1", fetch_size=60))
    pages = [[row.c for row in result.current_rows]]
    while result.has_more_pages:
        result.fetch_next_page()
        pages.append([row.c for row in result.current_rows])
    return {"page_sizes": [len(page) for page in pages], "rows": [c for page in pages for c in page]}


step("paged_read", paged_read)


def use_keyspace():
    session.set_keyspace(ks)
    session.execute("INSERT INTO items (id, name) VALUES (20, 'unqualified')")
    return {"keyspace": session.keyspace, "read": rows(session.execute("SELECT id, name FROM items WHERE id = 20"))}


step("use", use_keyspace)


def lwt():
    first = session.execute(f"INSERT INTO {ks}.items (id, name) VALUES (30, 'lwt') IF NOT EXISTS")
    second = session.execute(f"INSERT INTO {ks}.items (id, name) VALUES (30, 'again') IF NOT EXISTS")
    return {"first": first.was_applied, "second": second.was_applied, "second_row": plain(second.one())}


step("lwt", lwt)


def counter():
    add = session.prepare(f"UPDATE {ks}.counts SET hits = hits + ? WHERE id = 1")
    session.execute(add, (2,))
    session.execute(f"UPDATE {ks}.counts SET hits = hits + 1 WHERE id = 1")
    return session.execute(f"SELECT hits FROM {ks}.counts WHERE id = 1").one().hits


step("counter", counter)

cluster.shutdown()
print(json.dumps(observed))
