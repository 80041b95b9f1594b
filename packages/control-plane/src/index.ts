export { ControlPlane, controlTopicSpecs, controlTopics, type AuditCheck, type ControlTopics, type History, type IssueOptions } from './control-plane.js';
export type { LiveHistory } from './live-history.js';
export { updateFromAvro, updateToAvro, type AvroUpdate } from './update-codec.js';
export { migrationEventFromAvro, migrationEventToAvro, type AvroMigrationEvent } from './migration-event-codec.js';
