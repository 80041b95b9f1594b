export type { ClusterConfig, ClusterName, Config, LogLevel, ProxyConfig, TlsConfig } from './config.js';
export type { ErrorBudget } from './parsers.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { CONFIG_FILE_ENV, isLoopback, loadConfig, type LoadOptions } from './load.js';
export { SECRET_PATHS, redactConfig } from './redact.js';
export { SETTINGS, type Setting } from './settings.js';
export { clusterTlsOptions } from './tls.js';
