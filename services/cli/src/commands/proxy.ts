import { once } from 'node:events';
import type { Config } from '@cutover/config';
import { InMemoryMutationSink, ProxyServer } from '@cutover/proxy';
import type { Output } from '../output.js';
import { openControlPlane } from './control.js';
import { UsageError } from '../usage.js';

/** `cutover proxy`: runs the CQL proxy in the foreground until SIGINT or SIGTERM. */
export async function proxyCommand(args: string[], config: Config, io: Output): Promise<number> {
  if (args.length > 0) throw new UsageError(`cutover proxy takes no arguments (it is configured by the environment), got "${args.join(' ')}"`);
  // Until the event log publishes mutations to Kafka, the last ones are kept in memory only.
  // Serving drivers matters more than following the control log: without Kafka, the proxy runs
  // with the configured primary and read mode.
  const control = await openControlPlane(config).catch((error: Error) => {
    io.err(`warning: the control log is unavailable (${error.message}); primary and read mode stay as configured`);
    return undefined;
  });
  const proxy = await ProxyServer.start(config, { sink: new InMemoryMutationSink(10_000), ...(control ? { control: control.plane } : {}) });
  const { host, port } = proxy.address;
  io.err(`proxy ${config.proxy.id} listening on ${host}:${port} (metrics on :${config.proxy.metricsPort}); origin ${config.origin.host}:${config.origin.port}, target ${config.target.host}:${config.target.port}, primary ${config.proxy.primaryCluster}`);
  const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  io.err(`stopping on ${String(signal[0] ?? 'signal')}`);
  await proxy.stop();
  await control?.close();
  return 0;
}
