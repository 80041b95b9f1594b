/** A JSON number token: digits and an optional fraction and exponent, nothing else (no NaN, no Infinity). */
const NUMBER = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * A number of a document, kept exactly, as the Data API holds it: Jackson reads an integer token
 * as an integer and any other as a `BigDecimal` with its trailing zeros stripped, and writes
 * that back with `BigDecimal.toString()` (`1.50` is `1.5`, `10.0` is `1E+1`). Its value is
 * `unscaled × 10^-scale`.
 */
export class JsonNumber {
  private constructor(
    readonly unscaled: bigint,
    readonly scale: number,
    /** Read from an integer token: written back as it was. */
    readonly integral: boolean,
  ) {}

  /** The number a JSON number token is; undefined when `text` is not one. */
  static parse(text: string): JsonNumber | undefined {
    const match = NUMBER.exec(text);
    if (match === null) return undefined;
    const [, sign = '', whole = '', fraction = '', exponent] = match;
    const integral = fraction === '' && exponent === undefined;
    let unscaled = BigInt(`${sign}${whole}${fraction}`);
    let scale = fraction.length - Number(exponent ?? 0);
    if (integral) return new JsonNumber(unscaled, 0, true);
    if (unscaled === 0n) return new JsonNumber(0n, 0, false);
    while (unscaled % 10n === 0n) {
      unscaled /= 10n;
      scale--;
    }
    return new JsonNumber(unscaled, scale, false);
  }

  /** An integer of the document (an Int32 or Int64 of MongoDB's). */
  static integer(value: bigint): JsonNumber {
    return new JsonNumber(value, 0, true);
  }

  /** As Jackson writes it in a document: `BigDecimal.toString()` (exponent notation for a negative scale, or a value below 1E-6). */
  toString(): string {
    if (this.integral) return this.unscaled.toString();
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString();
    const adjusted = digits.length - 1 - this.scale;
    const sign = negative ? '-' : '';
    if (this.scale >= 0 && adjusted >= -6) return sign + plain(digits, this.scale);
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}E${adjusted < 0 ? '-' : '+'}${Math.abs(adjusted)}`;
  }

  /** `BigDecimal.toPlainString()`: no exponent, ever (what the Data API hashes: `1E+1` is `N10`). */
  toPlainString(): string {
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString();
    const text = this.scale <= 0 ? digits + '0'.repeat(-this.scale) : plain(digits, this.scale);
    return (negative ? '-' : '') + text;
  }
}

/** `digits` with `scale` of them after the decimal point (scale ≥ 0), zeros added in front where needed. */
function plain(digits: string, scale: number): string {
  if (scale === 0) return digits;
  const padded = digits.padStart(scale + 1, '0');
  return `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
}
