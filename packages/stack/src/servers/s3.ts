import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import type { Config } from '@cutover/config';
import { s3Client } from '../clients.js';
import { S3PROXY, S3PROXY_VERSION } from '../distributions.js';
import type { ServerContext, ServerDefinition } from '../server.js';

export interface S3Options {
  readonly host: string;
  readonly port: number;
}

/** S3Proxy on a filesystem backend, signing with the same keys the services use. */
export function s3proxyProperties(options: S3Options, config: Config, dataDir: string): string {
  return [
    `s3proxy.endpoint=http://${options.host}:${options.port}`,
    's3proxy.authorization=aws-v2-or-v4',
    `s3proxy.identity=${config.s3.accessKeyId}`,
    `s3proxy.credential=${config.s3.secretAccessKey}`,
    'jclouds.provider=filesystem-nio2',
    `jclouds.filesystem.basedir=${dataDir}`,
    '',
  ].join('\n');
}

export function s3Server(options: S3Options, config: Config): ServerDefinition {
  return {
    name: 's3',
    description: `S3Proxy ${S3PROXY_VERSION} (filesystem backend, SigV4)`,
    distribution: S3PROXY,
    address: `${options.host}:${options.port}`,
    ports: [{ host: options.host, port: options.port, purpose: 'HTTP' }],
    readyTimeoutMs: 60_000,
    async prepare(ctx: ServerContext) {
      await mkdir(join(ctx.dir, 'data'), { recursive: true });
      await writeFile(join(ctx.dir, 's3proxy.conf'), s3proxyProperties(options, config, join(ctx.dir, 'data')), { mode: 0o600 });
    },
    args(ctx: ServerContext) {
      return ['-Xmx256m', '-jar', join(ctx.installed.lib, `s3proxy-${S3PROXY_VERSION}-jar-with-dependencies.jar`), '--properties', join(ctx.dir, 's3proxy.conf')];
    },
    async probe() {
      const client = s3Client({ ...config, s3: { ...config.s3, endpoint: `http://${options.host}:${options.port}` } });
      try {
        await client.send(new ListBucketsCommand({}));
      } finally {
        client.destroy();
      }
    },
  };
}
