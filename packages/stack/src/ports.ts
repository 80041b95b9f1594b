import { createServer } from 'node:net';
import { StackError } from './errors.js';

/** A port a server binds, and what for, so a clash can be named precisely. */
export interface PortUse {
  readonly host: string;
  readonly port: number;
  readonly purpose: string;
}

/** Throws `PORT_IN_USE` naming the port when another process holds it. */
export async function assertPortFree(server: string, use: PortUse): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host: use.host, port: use.port, exclusive: true }, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StackError(
      'PORT_IN_USE',
      code === 'EADDRINUSE'
        ? `port ${use.host}:${use.port} (${server} ${use.purpose}) is already in use by another process`
        : `cannot bind ${use.host}:${use.port} (${server} ${use.purpose}): ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}
