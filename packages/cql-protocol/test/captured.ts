/**
 * Bytes captured from real traffic: the DataStax Python driver 3.29.2 (with python-lz4 4.4.5 and
 * python-snappy 0.7.3) talking to Cassandra 5.0.9 through a recording TCP relay, on protocol v5
 * (plain and LZ4 segments, after the unframed STARTUP exchange) and v4 (LZ4 and Snappy frames).
 * Each v5 constant is whole segments: header, CRC24, payload, CRC32.
 */
import { hex } from './helpers.ts';

/** Python driver → Cassandra: PREPARE "SELECT * FROM cqlproto_capture_5_none.t WHERE id = ?", flags [int] 0, stream 15. */
export const V5_PREPARE = hex(
  '450002bff1d80500000f090000003c0000003453454c454354202a2046524f4d2063716c70726f746f5f636170747572655f355f6e6f6e652e742057' +
  '48455245206964203d203f0000000042e94b66',
);

/** Python driver → Cassandra: EXECUTE of that statement with its result_metadata_id, one value (id = 1), stream 16. */
export const V5_EXECUTE = hex(
  '49000202a083050000100a000000400010549260dad9972055aaffa52faa67096000107d4a20c071097f0d011f8852852bf885000a00000025000100' +
  '00000400000001000013880006616aa5382cfb838b9dd8',
);

/** Python driver → Cassandra: a logged BATCH of a prepared and a plain INSERT, flags [int], stream 18. */
export const V5_BATCH = hex(
  'a50002067c3f050000120d0000009c0000020100102efb008c9620424086f9b0275cd895f8000300000004000000020000000374776f000000020102' +
  '0000000041494e5345525420494e544f2063716c70726f746f5f636170747572655f355f6e6f6e652e74202869642c2076292056414c554553202833' +
  '2c2027746872656527290000000a000000a00006616aa5384806001763716c70726f746f5f636170747572655f355f6e6f6e655ebf5b6d',
);

/** Python driver → Cassandra: QUERY "SELECT v FROM t WHERE id = 1" with the keyspace flag (0x80), page size 10, stream 37. */
export const V5_QUERY_KEYSPACE = hex(
  '5400020bac6b05000025070000004b0000001c53454c45435420762046524f4d2074205748455245206964203d2031000a000000a40000000a000661' +
  '6aa54ee1c8001763716c70726f746f5f636170747572655f355f6e6f6e6573953c5f',
);

/** Cassandra → Python driver: the Prepared RESULT for V5_PREPARE, with its result_metadata_id, stream 15. */
export const V5_PREPARED = hex(
  '950002f975c58500000f080000008c000000040010549260dad9972055aaffa52faa67096000107d4a20c071097f0d011f8852852bf8850000000100' +
  '000001000000010000001763716c70726f746f5f636170747572655f355f6e6f6e650001740002696400090000000100000003001763716c70726f74' +
  '6f5f636170747572655f355f6e6f6e650001740002696400090001620003000176000d80e4e849',
);

/** Cassandra → Python driver: an UNPREPARED ERROR after the table was altered, stream 34. */
export const V5_UNPREPARED = hex(
  '0e0102b801ed8500002200000001050000250000ed507265706172656420717565727920776974682049442032363139656436306465663135636163' +
  '61303032633332613534323033363239206e6f7420666f756e6420286569746865722074686520717565727920776173206e6f742070726570617265' +
  '64206f6e207468697320686f737420286d617962652074686520686f737420686173206265656e207265737461727465643f29206f7220796f752068' +
  '61766520707265706172656420746f6f206d616e79207175657269657320616e6420697420686173206265656e20657669637465642066726f6d2074' +
  '686520696e7465726e616c2063616368652900102619ed60def15caca002c32a54203629db9809b8',
);

/** Cassandra → Python driver: one self-contained segment holding two Rows RESULT envelopes (streams 8 and 7). */
export const V5_TWO_ROWS = hex(
  'cc00023dde59850000080800000045000000020000000100000001000673797374656d00056c6f63616c000e736368656d615f76657273696f6e000c' +
  '00000001000000103789e1f2ba703921a164dff097917942850000070800000075000000020000000100000006000673797374656d00087065657273' +
  '5f76320007686f73745f6964000c00047065657200100009706565725f706f72740009000e6e61746976655f616464726573730010000b6e61746976' +
  '655f706f72740009000e736368656d615f76657273696f6e000c00000000d631619b',
);

/** Python driver → Cassandra, LZ4 connection: a PREPARE that did not shrink, so stored as it is (uncompressed length 0). */
export const LZ4_PREPARE_STORED = hex(
  '4400000004f9a1d70500000f090000003b0000003353454c454354202a2046524f4d2063716c70726f746f5f636170747572655f355f6c7a342e7420' +
  '5748455245206964203d203f00000000ed687be1',
);

/** Cassandra → Python driver, LZ4 connection: one compressed segment holding two Rows RESULT envelopes (streams 3 and 4). */
export const LZ4_TWO_ROWS = hex(
  'a500980104d69be0f025850000030800000075000000020000000100000006000673797374656d000870656572735f76320007686f73745f6964000c' +
  '0004150040001000090800f30c5f706f72740009000e6e61746976655f616464726573730010000b1200042100f009736368656d615f76657273696f' +
  '6e000c00000000850000047e0017457e0015017e006f056c6f63616c3a000200a700f00210ccf589e970663eb7a482f11aac69877dd9df4f03',
);

/** Python driver → Cassandra, LZ4 connection: an EXECUTE binding a 200,000-byte blob (byte i = 7i mod 251), split over two compressed segments that are not self-contained (131,071 + 69,013 bytes uncompressed), stream 19. */
export const LZ4_LARGE_EXECUTE = hex(
  '4b03feff03568283f32a050000130a00030d8b00105a6b7b8564e39fe06bfac850e487b94a0010d41d8cd98f00b204e9800998ecf8427e000a000000' +
  '250003000000040400fff40362696700030d4000070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef501080f161d' +
  '242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6020910171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6' +
  'cdd4dbe2e9f0f7030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8040b121920272e353c434a51585f666d74' +
  '7b828990979ea5acb3bac1c8cfd6dde4ebf2f9050c131a21282f363d444b525960676e757c838a91989fa6adb4bbc2c9d0d7dee5ecf3fa060d141b22' +
  '2930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf4fb00ffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffa450373e454c5379f203c61a022a1b021e36ccffec5a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf400070e151c232a31383f464d' +
  '545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef501080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6' +
  '020910171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2e9f0f7030a11181f262d343b424950575e656c737a81888f969da4' +
  'abb2b9c0c7ced5dce3eaf1f8040b121920272e353c434a51585f666d747b828990979ea5acb3bac1c8cfd6dde4ebf2f9050c131a21282f363d444b52' +
  '5960676e757c838a91989fa6adb4bbc2c9d0d7dee5ecf3fa060d141b222930373e454c53fb00ffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffff88c0000013880006616aa58cf73a627fd56c',
);

/** Cassandra → Python driver, LZ4 connection: the Rows RESULT returning that blob, split by the server over two compressed segments, stream 20. */
export const LZ4_LARGE_ROWS = hex(
  '5303e8ff03ed9688f331850000140800030d8e000000020000000100000003001663716c70726f746f5f636170747572655f355f6c7a340001740002' +
  '696400090001620003000176000d3300fff5040000000400030d4000070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0' +
  'e7eef501080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6020910171e252c333a41484f565d646b727980878e' +
  '959ca3aab1b8bfc6cdd4dbe2e9f0f7030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8040b121920272e353c' +
  '434a51585f666d747b828990979ea5acb3bac1c8cfd6dde4ebf2f9050c131a21282f363d444b525960676e757c838a91989fa6adb4bbc2c9d0d7dee5' +
  'ecf3fa060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf4fb00ffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffff9150adb4bbc2c93e8d58251502461b023c4b22ffecd0d7dee5ecf3fa060d141b222930373e454c535a61686f767d848b' +
  '9299a0a7aeb5bcc3cad1d8dfe6edf400070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef501080f161d242b3239' +
  '40474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6020910171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2' +
  'e9f0f7030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8040b121920272e353c434a51585f666d747b828990' +
  '979ea5acb3bac1c8cfd6dde4ebf2f9050c131a21282f363d444b525960676e757c838a91989fa6adb4bbc2c9fb00ffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffff9b7000000003626967ed56d5c5',
);

/** Cassandra → Python driver, LZ4 connection: a Rows RESULT with Metadata_changed and a new_metadata_id (the table gained column b), stream 35. */
export const LZ4_METADATA_CHANGED = hex(
  '5a00c6000497b8ccf03585000023080000005a0000000200000009000000030010792e75c5567fbd61d886c05725056100000f63716c70726f746f5f' +
  '746f6d625f3500016d000269640009000161050011623a0057010000000408005002ffffffffcab1ec86',
);

/** Cassandra → Python driver, LZ4 connection: READ_FAILURE (tombstones) with its reason map {127.0.0.1: 1 READ_TOO_MANY_TOMBSTONES}, stream 77. */
export const LZ4_READ_FAILURE = hex(
  '37018a0204810193f04b8508004d000000013c000100b7526561642030206c69766520726f777320616e642031303030303120746f6d6273746f6e65' +
  '2063656c6c7320666f722071756572792053454c454354202a2046524f4d2063716c70726f746f5f3100f63d5f352e742057484552452070203d2030' +
  '204c494d4954203530303020414c4c4f572046494c544552494e473b20746f6b656e202d333438353531333537393339363034313032382028736565' +
  '8200f0215f7761726e5f7468726573686f6c64290000130000654f7065726174696f6e206661696c6564202d2072656365697665d40083726573706f' +
  '6e7365d400012400f227757265733a20524541445f544f4f5f4d414e595f544f4d4253544f4e45532066726f6d202f3132372e302e302e313a373030' +
  '30000a0001001001350180047f0000010001008408d8ff',
);

/** v4, LZ4: a PREPARE frame compressed by the Python driver (python-lz4), stream 15. */
export const V4_LZ4_PREPARE = hex(
  '0401000f090000003d00000037f0280000003353454c454354202a2046524f4d2063716c70726f746f5f636170747572655f345f6c7a342e74205748' +
  '455245206964203d203f',
);

/** v4, LZ4: READY compressed by Cassandra: an empty body still gets a length of 0 and a one-byte block. */
export const V4_LZ4_READY = hex('8401000102000000050000000000');

/** v4, LZ4: the Prepared RESULT compressed by Cassandra, stream 15. */
export const V4_LZ4_PREPARED = hex(
  '8401000f080000005500000078f70b0000000400102cab1474033cb83975f9ae409735022f000000010400f3111663716c70726f746f5f6361707475' +
  '72655f345f6c7a340001740002696400092b001f0329000f9001620003000176000d',
);

/** v4, LZ4: the EXECUTE binding the 200,000-byte blob, compressed by the Python driver, stream 19. */
export const V4_LZ4_LARGE_EXECUTE = hex(
  '040100130a0000044700030d76f30c0010fde230c4ad1d97fdf6c8a46efa921104000a250003000000040400fff40362696700030d4000070e151c23' +
  '2a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef501080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5cc' +
  'd3dae1e8eff6020910171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2e9f0f7030a11181f262d343b424950575e656c737a' +
  '81888f969da4abb2b9c0c7ced5dce3eaf1f8040b121920272e353c434a51585f666d747b828990979ea5acb3bac1c8cfd6dde4ebf2f9050c131a2128' +
  '2f363d444b525960676e757c838a91989fa6adb4bbc2c9d0d7dee5ecf3fa060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1' +
  'd8dfe6edf4fb00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
  'ffffffffffffffffffff41c0000013880006616aa5c376eb',
);

/** v4, LZ4: READ_FAILURE with a warning, compressed by Cassandra: v4 carries only the failure count, stream 77. */
export const V4_LZ4_READ_FAILURE = hex(
  '8409004d000000012c00000135f692000100b7526561642030206c69766520726f777320616e642031303030303120746f6d6273746f6e652063656c' +
  '6c7320666f722071756572792053454c454354202a2046524f4d2063716c70726f746f5f746f6d625f342e742057484552452070203d2030204c494d' +
  '4954203530303020414c4c4f572046494c544552494e473b20746f6b656e202d3334383535313335373933393630343130323820287365658200f021' +
  '5f7761726e5f7468726573686f6c64290000130000654f7065726174696f6e206661696c6564202d2072656365697665d40083726573706f6e7365d4' +
  '00012400f227757265733a20524541445f544f4f5f4d414e595f544f4d4253544f4e45532066726f6d202f3132372e302e302e313a37303030000a00' +
  '010060010000000100',
);

/** v4, Snappy: a PREPARE frame compressed by the Python driver (python-snappy), stream 15. */
export const V4_SNAPPY_PREPARE = hex(
  '0401000f090000003c3ae40000003653454c454354202a2046524f4d2063716c70726f746f5f636170747572655f345f736e617070792e7420574845' +
  '5245206964203d203f',
);

/** v4, Snappy: READY compressed by Cassandra, a one-byte empty block. */
export const V4_SNAPPY_READY = hex('84010001020000000100');

/** v4, Snappy: the Prepared RESULT compressed by Cassandra, stream 15. */
export const V4_SNAPPY_PREPARED = hex(
  '8401000f08000000547e6400000004001098ca2f3e0b92d60ab50ff96403d07ef4000000011d04881963716c70726f746f5f636170747572655f345f' +
  '736e617070790001740002696400090d2e0403008e2c002001620003000176000d',
);
