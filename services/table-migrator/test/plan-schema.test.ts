import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MigratorError, planSchema, type ColumnSchema, type KeyspaceSchema, type SchemaSnapshot, type TableSchema, type UdtSchema } from '../src/index.ts';

const column = (name: string, type: string, kind: ColumnSchema['kind'] = 'regular', position = -1, clusteringOrder: ColumnSchema['clusteringOrder'] = 'none'): ColumnSchema => ({ name, type, kind, position, clusteringOrder });
const orders: TableSchema = {
  keyspace: 'shop',
  name: 'Orders',
  columns: [column('id', 'int', 'partition_key', 0), column('at', 'timestamp', 'clustering', 0, 'desc'), column('owner', 'text', 'static'), column('ship_to', 'frozen<address>'), column('tags', 'set<text>')],
  indexes: [{ name: 'by_tag', kind: 'COMPOSITES', options: { target: 'values(tags)' } }],
};
const street: UdtSchema = { keyspace: 'shop', name: 'street', fields: [{ name: 'name', type: 'text' }] };
const address: UdtSchema = { keyspace: 'shop', name: 'address', fields: [{ name: 'street', type: 'frozen<street>' }, { name: 'zip', type: 'text' }] };
const keyspace = (tables: TableSchema[], types: UdtSchema[] = [address, street]): KeyspaceSchema => ({
  name: 'shop',
  replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' },
  durableWrites: true,
  types: new Map(types.map((t) => [t.name, t])),
  tables: new Map(tables.map((t) => [t.name, t])),
});
const snapshot = (...keyspaces: KeyspaceSchema[]): SchemaSnapshot => ({ keyspaces: new Map(keyspaces.map((k) => [k.name, k])) });
const incompatible = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MigratorError);
    assert.equal(error.code, 'SCHEMA_INCOMPATIBLE');
    return error.message;
  }
  assert.fail('expected SCHEMA_INCOMPATIBLE');
};

describe('planSchema', () => {
  it('creates what target lacks as origin has it: keyspace, types after the types they use, table, indexes', () => {
    const { statements } = planSchema(snapshot(keyspace([orders])), snapshot(), ['shop.Orders']);
    assert.deepEqual(statements, [
      `CREATE KEYSPACE IF NOT EXISTS "shop" WITH replication = {'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '1'} AND durable_writes = true`,
      'CREATE TYPE IF NOT EXISTS "shop"."street" ("name" text)',
      'CREATE TYPE IF NOT EXISTS "shop"."address" ("street" frozen<street>, "zip" text)',
      'CREATE TABLE IF NOT EXISTS "shop"."Orders" ("id" int, "at" timestamp, "owner" text STATIC, "ship_to" frozen<address>, "tags" set<text>, PRIMARY KEY (("id"), "at")) WITH CLUSTERING ORDER BY ("at" DESC)',
      'CREATE INDEX IF NOT EXISTS "by_tag" ON "shop"."Orders" (values(tags))',
    ]);
  });

  it('plans nothing when target already has it all, and accepts extra columns and trailing type fields there', () => {
    const wider = { ...orders, columns: [...orders.columns, column('note', 'text')] };
    const longer = { ...address, fields: [...address.fields, { name: 'country', type: 'text' }] };
    assert.deepEqual(planSchema(snapshot(keyspace([orders])), snapshot(keyspace([wider], [longer, street])), ['shop.Orders']).statements, []);
  });

  it('refuses a target table or type that cannot take the data, naming every difference', () => {
    const other: TableSchema = {
      ...orders,
      columns: [column('id', 'bigint', 'partition_key', 0), column('at', 'timestamp', 'clustering', 0, 'asc'), column('region', 'text', 'clustering', 1, 'asc'), column('owner', 'text'), column('ship_to', 'frozen<address>')],
    };
    const renamed = { ...street, fields: [{ name: 'line', type: 'text' }] };
    const message = incompatible(() => planSchema(snapshot(keyspace([orders])), snapshot(keyspace([other], [address, renamed])), ['shop.Orders']));
    assert.equal(
      message,
      "target cannot take origin's data: type shop.street: field 1 is name text on origin, line text on target; " +
        'table shop.Orders: column id is int on origin, bigint on target; ' +
        'table shop.Orders: column at is clustering column 1 (desc) on origin, clustering column 1 (asc) on target; ' +
        'table shop.Orders: column owner is static on origin, regular on target; ' +
        'table shop.Orders: column tags set<text> is missing on target; ' +
        "table shop.Orders: target's primary key has region, origin's does not",
    );
  });

  it('says so when origin has no such keyspace or table', () => {
    assert.throws(() => planSchema(snapshot(), snapshot(), ['nope.t']), { code: 'SCHEMA_NOT_FOUND', message: 'keyspace nope does not exist on origin' });
    assert.throws(() => planSchema(snapshot(keyspace([])), snapshot(), ['shop.nope']), { code: 'SCHEMA_NOT_FOUND', message: 'table shop.nope does not exist on origin' });
  });
});
