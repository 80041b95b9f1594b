export { encodeDescriptor, STATEMENT_ID_BYTES, type EncodedDescriptor, type StatementDescriptorInput } from './descriptor.js';
export { encodeMutation, MUTATION_KINDS, type ClusterOutcomeInput, type MutationInput, type MutationKindName } from './mutation.js';
export { assembleBatch, MUTATION_BATCH_SCHEMA_ID } from './batch.js';
export { readMutations } from './read.js';
export type { LoggedChild, LoggedMutation, LoggedOutcome, LoggedValue } from './logged-mutation.js';
export { parseTypeText, typeText } from './cql-type.js';
export { redactPasswords } from './redact.js';
