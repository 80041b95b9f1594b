import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import cassandra from 'cassandra-driver';
import { REPLICATION, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * Two proxies present themselves as one two-node cluster: a token-aware driver given one of
 * them finds the other through system.peers and spreads requests by token over both.
 */
const PORT = 19502;
const timeout = 120_000;
const addresses = ['127.0.0.10', '127.0.0.11'];
let proxies: TestProxy[];
let client: cassandra.Client;
const ks = uniqueKeyspace('topology');

before(async () => {
  proxies = await Promise.all(
    addresses.map((address, index) =>
      startProxy(PORT, { PROXY_LISTEN_HOST: address, PROXY_TOPOLOGY_ADDRESSES: addresses.join(','), PROXY_TOPOLOGY_INDEX: String(index) }),
    ),
  );
  client = proxies[0]!.client({ protocolOptions: { port: PORT } });
  await client.connect();
});

after(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

function writesSeenBy(proxy: TestProxy): number {
  return proxy.sink.mutations.filter((m) => m.keyspace === ks && m.kind === 'insert').length;
}

it('each proxy describes itself in system.local and the other in system.peers', { timeout }, async () => {
  for (const [index, proxy] of proxies.entries()) {
    // Pinned to this proxy, whatever the driver learns about the other.
    const { AllowListPolicy, RoundRobinPolicy } = cassandra.policies.loadBalancing;
    const own = proxy.client({ protocolOptions: { port: PORT }, policies: { loadBalancing: new AllowListPolicy(new RoundRobinPolicy(), [`${addresses[index]}:${PORT}`]) } });
    const local = await rowsOf(own, 'SELECT rpc_address, tokens, cluster_name FROM system.local');
    const peers = await rowsOf(own, 'SELECT peer, rpc_address, tokens, data_center FROM system.peers');
    assert.deepEqual(local, [{ rpc_address: addresses[index], tokens: [index === 0 ? '-9223372036854775808' : '0'], cluster_name: 'origin' }]);
    const other = addresses[1 - index]!;
    assert.deepEqual(peers, [{ peer: other, rpc_address: other, tokens: [index === 0 ? '0' : '-9223372036854775808'], data_center: 'datacenter1' }]);
    await assert.rejects(own.execute('SELECT * FROM system.peers_v2'), /unconfigured table peers_v2/);
  }
});

it('a token-aware driver connects to both proxies and routes each write to the proxy owning its token', { timeout }, async () => {
  assert.deepEqual(client.getState().getConnectedHosts().map((h) => h.address).sort(), addresses.map((a) => `${a}:${PORT}`));
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v int)`);
  const insert = `INSERT INTO ${ks}.t (id, v) VALUES (?, ?)`;
  for (let id = 0; id < 200; id++) await client.execute(insert, [id, id], { prepare: true });

  const counts = proxies.map(writesSeenBy);
  assert.equal(counts[0]! + counts[1]!, 200);
  assert.ok(counts.every((n) => n > 40), `both proxies carry writes: ${counts.join(' / ')}`);
  // Every write went to the proxy the driver computes as the replica of its key.
  for (const [index, proxy] of proxies.entries()) {
    for (const m of proxy.sink.mutations.filter((x) => x.keyspace === ks && x.kind === 'insert')) {
      const key = m.partitionKey![0]!.bytes!;
      const replicas = client.getReplicas(ks, key).map((h) => h.address);
      assert.deepEqual(replicas, [`${addresses[index]}:${PORT}`], `id ${m.partitionKey![0]!.rendered}`);
    }
  }
});
