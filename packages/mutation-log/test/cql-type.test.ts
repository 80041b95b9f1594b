import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CqlType } from '@cutover/cql-protocol';
import { parseTypeText, typeText } from '../src/index.ts';

it('writes types as CQL does, UDTs with their fields, and reads them back', () => {
  const types: [CqlType, string][] = [
    [{ kind: 'primitive', name: 'varchar' }, 'text'],
    [{ kind: 'map', key: { kind: 'primitive', name: 'timeuuid' }, value: { kind: 'set', element: { kind: 'primitive', name: 'inet' } } }, 'map<timeuuid, set<inet>>'],
    [{ kind: 'tuple', elements: [{ kind: 'primitive', name: 'int' }, { kind: 'list', element: { kind: 'primitive', name: 'blob' } }] }, 'tuple<int, list<blob>>'],
    [{ kind: 'custom', className: 'org.apache.cassandra.db.marshal.DurationType' }, "'org.apache.cassandra.db.marshal.DurationType'"],
    [
      { kind: 'udt', keyspace: 'Shop', name: 'addr', fields: [{ name: 'street', type: { kind: 'primitive', name: 'varchar' } }, { name: 'geo', type: { kind: 'udt', keyspace: 'Shop', name: 'pt', fields: [{ name: 'x', type: { kind: 'primitive', name: 'double' } }] } }] },
      '"Shop"."addr"{"street": text, "geo": "Shop"."pt"{"x": double}}',
    ],
  ];
  for (const [type, text] of types) {
    assert.equal(typeText(type), text);
    assert.deepEqual(parseTypeText(text), type, text);
  }
  // As older proxies wrote them: a name quoted only where CQL needs it.
  assert.deepEqual(parseTypeText('"Shop".addr{street: text, geo: "Shop".pt{x: double}}'), types[4]![0]);
  assert.deepEqual(parseTypeText('frozen<LIST<varchar>>'), { kind: 'list', element: { kind: 'primitive', name: 'varchar' } });
  for (const unknown of ['shop.addr', 'vector<float, 3>', 'list<int', 'int int', '']) assert.equal(parseTypeText(unknown), undefined, unknown);
});
