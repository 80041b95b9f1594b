import assert from 'node:assert/strict';
import { it } from 'node:test';
import { JsonNumber } from '../src/json-number.ts';

// Expected texts: the Data API's (Jackson reading with USE_BIG_DECIMAL_FOR_FLOATS, trailing zeros
// stripped, written with BigDecimal.toString and hashed with toPlainString).
it('writes a number as the Data API does: integers as they are, others as a stripped BigDecimal', () => {
  const cases: [string, string, string][] = [
    ['30', '30', '30'],
    ['100', '100', '100'],
    ['-7', '-7', '-7'],
    ['12345678901234567890', '12345678901234567890', '12345678901234567890'],
    ['1.50', '1.5', '1.5'],
    ['10.0', '1E+1', '10'],
    ['1e3', '1E+3', '1000'],
    ['1E-7', '1E-7', '0.0000001'],
    ['0.0', '0', '0'],
    ['-0.0', '0', '0'],
    ['-2.5e-3', '-0.0025', '-0.0025'],
    ['2.0635595263889274e-35', '2.0635595263889274E-35', '0.000000000000000000000000000000000020635595263889274'],
    ['0.000001', '0.000001', '0.000001'],
    ['3.0', '3', '3'],
    ['25.3', '25.3', '25.3'],
  ];
  for (const [text, written, hashed] of cases) {
    const n = JsonNumber.parse(text)!;
    assert.deepEqual([n.toString(), n.toPlainString()], [written, hashed], text);
  }
});

it('takes JSON number tokens only', () => {
  for (const text of ['NaN', 'Infinity', '-', '01', '1.', '.5', '1e', '0x10', ' 1']) assert.equal(JsonNumber.parse(text), undefined, text);
  assert.equal(JsonNumber.integer(-9007199254740993n).toString(), '-9007199254740993');
});
