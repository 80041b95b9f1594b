export { ProxyServer, type ProxyOptions } from './server.js';
export { InMemoryMutationSink, type BoundValue, type ClusterResult, type MutationRecord, type MutationSink, type MutationStatement } from './mutation-sink.js';
export type { LiveSettings } from './context.js';
export { ProxyError, type ProxyErrorCode } from './errors.js';
export { createLogger } from './logger.js';
export { PublishingSink, type PublishingOptions } from './publishing/publishing-sink.js';
export { Spool, type FsyncPolicy } from './publishing/spool.js';
