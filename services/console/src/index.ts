export { ANONYMOUS, consoleAuth, type ConsoleAuth } from './auth.js';
export { COMMANDS, commandOf, type CommandRequest } from './command-request.js';
export { buildConsole, type ConsoleDeps, type Snapshot } from './console-app.js';
export { ConsoleError, type ConsoleErrorCode } from './console-error.js';
export { mongoDatabases, redactedUri, type CollectionSummary, type DatabaseSummary } from './mongo-browser.js';
