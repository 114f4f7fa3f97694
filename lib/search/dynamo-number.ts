/**
 * DynamoDB numbers compared exactly: up to 38 significant digits, which a JS number
 * (about 16) would round. Both sides stay decimal strings.
 */

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function isDynamoNumber(text: string): boolean {
  const m = NUMBER.exec(text);
  return m !== null && ((m[2] ?? "") + (m[3] ?? "")).length > 0 && text.length <= 200;
}

interface Decimal {
  sign: 1 | -1 | 0;
  /** Significant digits, no leading or trailing zeros. */
  digits: string;
  /** The value is 0.{digits} × 10^point. */
  point: number;
}

function toDecimal(text: string): Decimal {
  const m = NUMBER.exec(text.trim());
  if (!m || ((m[2] ?? "") + (m[3] ?? "")).length === 0) throw new RangeError("not a DynamoDB number");
  const whole = m[2] ?? "";
  const fraction = m[3] ?? "";
  const all = whole + fraction;
  const lead = all.length - all.replace(/^0+/, "").length;
  const digits = all.slice(lead).replace(/0+$/, "");
  if (digits.length === 0) return { sign: 0, digits: "", point: 0 };
  return { sign: m[1] === "-" ? -1 : 1, digits, point: whole.length - lead + Number(m[4] ?? "0") };
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. Throws RangeError when either is not a number. */
export function compareDynamoNumbers(a: string, b: string): -1 | 0 | 1 {
  const x = toDecimal(a);
  const y = toDecimal(b);
  if (x.sign !== y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign === 0) return 0;
  const magnitude = x.point !== y.point ? (x.point < y.point ? -1 : 1) : x.digits === y.digits ? 0 : x.digits < y.digits ? -1 : 1;
  // Digit strings compare lexicographically: a prefix is the smaller, as trailing zeros were dropped.
  return (magnitude * x.sign) as -1 | 0 | 1;
}
