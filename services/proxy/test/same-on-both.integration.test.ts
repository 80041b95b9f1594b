import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeRequest } from '@cutover/cql-protocol';
import { RawClient } from './raw-client.ts';
import { REPLICATION, directClients, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/** Where both clusters could end up storing different things, they do not. */
const timeout = 120_000;
const PORT = 19372;
let proxy: TestProxy;
let direct: ReturnType<typeof directClients>;
const ks = uniqueKeyspace('same');

before(async () => {
  // origin-acked: the policy under which a failure of target alone used to be acknowledged.
  proxy = await startProxy(PORT, { TARGET_FAILURE_POLICY: 'origin-acked' });
  direct = directClients(proxy.config);
  const client = proxy.client();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text)`);
  await direct.origin.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks}_origin_only WITH replication = ${REPLICATION}`);
});

after(async () => {
  await proxy?.stop();
  await direct?.shutdown();
});

const query = (stream: number, text: string): Buffer => encodeRequest(4, stream, { type: 'QUERY', query: text, params: { consistency: 1, skipMetadata: false } });

describe('both clusters store the same', () => {
  it('a USE one cluster refuses fails for the client and changes neither cluster', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    raw.send(query(1, `USE ${ks}`));
    assert.equal((await raw.next())?.type, 'RESULT');
    raw.send(query(2, `USE ${ks}_origin_only`));
    const refused = await raw.next();
    assert.ok(refused?.type === 'ERROR' && /keyspace/i.test(refused.message), JSON.stringify(refused));
    // Unqualified names still resolve in the keyspace before, on both clusters.
    raw.send(query(3, "INSERT INTO t (id, v) VALUES (1, 'after the refused USE')"));
    assert.equal((await raw.next())?.type, 'RESULT');
    for (const cluster of [direct.origin, direct.target]) {
      assert.deepEqual(await rowsOf(cluster, `SELECT v FROM ${ks}.t WHERE id = 1`), [{ v: 'after the refused USE' }]);
    }
    raw.end();
  });

  it('a refused USE on a connection with no keyspace yet closes it, since no cluster can go back to none', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    raw.send(query(1, `USE ${ks}_origin_only`));
    const answer = await raw.next();
    assert.ok(answer === undefined || answer.type === 'ERROR', JSON.stringify(answer));
    await raw.closed;
  });

  it("a batch in which only some statements carry USING TIMESTAMP: the others get the proxy's timestamp, the same on both clusters", { timeout }, async () => {
    const client = proxy.client();
    await client.batch(
      [
        { query: `INSERT INTO ${ks}.t (id, v) VALUES (2, 'own timestamp') USING TIMESTAMP 1000` },
        { query: `INSERT INTO ${ks}.t (id, v) VALUES (3, 'proxy timestamp')` },
      ],
      { logged: false },
    );
    const select = `SELECT id, writetime(v) AS wt FROM ${ks}.t WHERE id IN (2, 3)`;
    const origin = await rowsOf(direct.origin, select);
    assert.deepEqual(await rowsOf(direct.target, select), origin);
    assert.equal((origin[0] as { wt: string }).wt, '1000');
    assert.ok(Number((origin[1] as { wt: string }).wt) > 1_000_000_000_000_000, 'the proxy timestamp, in microseconds');
  });
});
