export interface TlsConfig {
  readonly caPath?: string;
  readonly certPath?: string;
  readonly keyPath?: string;
}

export interface ClusterConfig {
  readonly host: string;
  readonly port: number;
  readonly localDataCenter: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls: TlsConfig;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The typed configuration every service starts from. See `SETTINGS` for each field's meaning. */
export interface Config {
  readonly origin: ClusterConfig;
  readonly target: ClusterConfig;
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string };
  readonly s3: {
    readonly endpoint: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly bucket: string;
  };
  readonly mongo: { readonly uri: string };
  readonly proxy: { readonly queryPort: number; readonly metricsPort: number };
  readonly log: { readonly level: LogLevel };
  readonly stack: {
    readonly home: string;
    readonly dir: string;
    readonly javaHome?: string;
    readonly cassandraHeap: string;
    readonly kafkaHeap: string;
  };
}
