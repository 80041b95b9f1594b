/** Message kinds (spec section 2.4); 0x04 is unused since protocol v2. */
export const Opcode = {
  ERROR: 0x00,
  STARTUP: 0x01,
  READY: 0x02,
  AUTHENTICATE: 0x03,
  OPTIONS: 0x05,
  SUPPORTED: 0x06,
  QUERY: 0x07,
  RESULT: 0x08,
  PREPARE: 0x09,
  EXECUTE: 0x0a,
  REGISTER: 0x0b,
  EVENT: 0x0c,
  BATCH: 0x0d,
  AUTH_CHALLENGE: 0x0e,
  AUTH_RESPONSE: 0x0f,
  AUTH_SUCCESS: 0x10,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];
export type OpcodeName = keyof typeof Opcode;

const OPCODE_NAMES: readonly (OpcodeName | undefined)[] = (() => {
  const names: (OpcodeName | undefined)[] = [];
  for (const name of Object.keys(Opcode) as OpcodeName[]) names[Opcode[name]] = name;
  return names;
})();

/** `QUERY`, or `0x04` for an opcode the protocol does not define; for messages and logs. */
export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `0x${opcode.toString(16).padStart(2, '0')}`;
}

/** Header flags (spec section 2.2). WARNING and CUSTOM_PAYLOAD exist from v4, USE_BETA from v5. */
export const FrameFlag = {
  COMPRESSION: 0x01,
  TRACING: 0x02,
  CUSTOM_PAYLOAD: 0x04,
  WARNING: 0x08,
  USE_BETA: 0x10,
} as const;
export type FrameFlag = (typeof FrameFlag)[keyof typeof FrameFlag];

/** [consistency] values (spec section 3). */
export const Consistency = {
  ANY: 0x00,
  ONE: 0x01,
  TWO: 0x02,
  THREE: 0x03,
  QUORUM: 0x04,
  ALL: 0x05,
  LOCAL_QUORUM: 0x06,
  EACH_QUORUM: 0x07,
  SERIAL: 0x08,
  LOCAL_SERIAL: 0x09,
  LOCAL_ONE: 0x0a,
} as const;
export type Consistency = (typeof Consistency)[keyof typeof Consistency];

/** ERROR codes (spec section 9; CDC_WRITE_FAILURE and CAS_WRITE_UNKNOWN are later v4 additions). */
export const ErrorCode = {
  SERVER_ERROR: 0x0000,
  PROTOCOL_ERROR: 0x000a,
  BAD_CREDENTIALS: 0x0100,
  UNAVAILABLE: 0x1000,
  OVERLOADED: 0x1001,
  IS_BOOTSTRAPPING: 0x1002,
  TRUNCATE_ERROR: 0x1003,
  WRITE_TIMEOUT: 0x1100,
  READ_TIMEOUT: 0x1200,
  READ_FAILURE: 0x1300,
  FUNCTION_FAILURE: 0x1400,
  WRITE_FAILURE: 0x1500,
  CDC_WRITE_FAILURE: 0x1600,
  CAS_WRITE_UNKNOWN: 0x1700,
  SYNTAX_ERROR: 0x2000,
  UNAUTHORIZED: 0x2100,
  INVALID: 0x2200,
  CONFIG_ERROR: 0x2300,
  ALREADY_EXISTS: 0x2400,
  UNPREPARED: 0x2500,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** BATCH <type> (spec section 4.1.7). */
export const BatchType = {
  LOGGED: 0,
  UNLOGGED: 1,
  COUNTER: 2,
} as const;
export type BatchType = (typeof BatchType)[keyof typeof BatchType];
