export { CLUSTER_NAMES, READ_MODES, type ClusterConfig, type ClusterName, type Config, type KafkaConfig, type KafkaSaslMechanism, type LogLevel, type ProxyConfig, type ReadMode, type TlsConfig } from './config.js';
export type { ErrorBudget } from './parsers.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { CONFIG_FILE_ENV, isLoopback, loadConfig, type LoadOptions } from './load.js';
export { SECRET_PATHS, redactConfig } from './redact.js';
export { SETTINGS, type Setting } from './settings.js';
export { clusterTlsOptions } from './tls.js';
export { kafkaSecurity, type KafkaSasl, type KafkaSecurity } from './kafka.js';
