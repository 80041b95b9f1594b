export { consoleAuth, type ConsoleAuth } from './auth.js';
export { buildConsole, type ConsoleDeps, type Snapshot } from './console-app.js';
export { ConsoleError, type ConsoleErrorCode } from './console-error.js';
export { mongoDatabases, type DatabaseSummary } from './mongo-browser.js';
