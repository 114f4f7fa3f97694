import { createHash } from "node:crypto";
import { keyValueBytes, type KeyValue } from "./attribute-value";

/**
 * How one key attribute value appears inside an S3 object name.
 *
 * - Characters outside [A-Za-z0-9-.#@=] are percent-encoded (UTF-8, upper-case hex),
 *   as is a leading "." so a path segment is never "." or "..". "_" separates the
 *   fields of a name, "%" and "~" are escapes, so none of them appear unescaped.
 * - A value whose encoding is longer than MAX_LITERAL_BYTES, or a binary value,
 *   appears hashed: the first HASHED_PREFIX_BYTES of its encoding (none for binary),
 *   "~", then 32 hex digits of its SHA-256. The full key is inside the object.
 */
export const MAX_LITERAL_BYTES = 200;
export const HASHED_PREFIX_BYTES = 150;
const HASH_HEX = 32;

const SAFE = /^[A-Za-z0-9\-.#@=]$/;

function escapeText(text: string): string {
  let out = "";
  let index = 0;
  for (const char of text) {
    if (SAFE.test(char) && !(index === 0 && char === ".")) {
      out += char;
    } else {
      for (const byte of Buffer.from(char, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    index += char.length;
  }
  return out;
}

function unescapeText(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; ) {
    if (encoded[i] === "%") {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`bad escape at ${i} in "${encoded}"`);
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      const code = encoded.charCodeAt(i);
      if (code > 0x7f || encoded[i] === "_" || encoded[i] === "~") throw new Error(`unexpected "${encoded[i]}" in "${encoded}"`);
      bytes.push(code);
      i += 1;
    }
  }
  const buffer = Buffer.from(bytes);
  const text = buffer.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(buffer)) throw new Error(`"${encoded}" is not UTF-8`);
  return text;
}

/** Cuts an escaped string to at most maxBytes without splitting a %XX escape. */
function cutEscaped(encoded: string, maxBytes: number): string {
  if (encoded.length <= maxBytes) return encoded;
  let end = maxBytes;
  const lastPercent = encoded.lastIndexOf("%", end - 1);
  if (lastPercent >= 0 && lastPercent > end - 3) end = lastPercent;
  return encoded.slice(0, end);
}

function keyHash(value: KeyValue): string {
  return createHash("sha256").update(keyValueBytes(value)).digest("hex").slice(0, HASH_HEX);
}

export function encodeKeyValue(value: KeyValue): string {
  if ("B" in value) return `~${keyHash(value)}`;
  const text = "S" in value ? value.S : value.N;
  const literal = escapeText(text);
  if (literal.length > 0 && literal.length <= MAX_LITERAL_BYTES) return literal;
  return `${cutEscaped(literal, HASHED_PREFIX_BYTES)}~${keyHash(value)}`;
}

export function isHashedEncoding(encoded: string): boolean {
  return encoded.includes("~");
}

/**
 * The key value an encoding stands for, or null when it is hashed (read the object
 * for the full key). Throws when the text is not an encoding this codec produces.
 */
export function decodeKeyValue(encoded: string, type: "S" | "N" | "B"): KeyValue | null {
  if (isHashedEncoding(encoded)) {
    if (!/^[^~]*~[0-9a-f]{32}$/.test(encoded)) throw new Error(`"${encoded}" is not a hashed key encoding`);
    return null;
  }
  if (type === "B") throw new Error(`binary keys are always hashed, got "${encoded}"`);
  const text = unescapeText(encoded);
  return type === "S" ? { S: text } : { N: text };
}

/**
 * The encoded form to search by when looking up keys that start with `prefix`.
 * `exact` is false when the prefix is longer than the readable part of a hashed
 * name: matches must then be confirmed against the full key.
 */
export function encodeKeyPrefix(prefix: string): { encoded: string; exact: boolean } {
  // A hashed name keeps at least HASHED_PREFIX_BYTES - 2 readable bytes (a cut never splits an escape).
  const searchable = HASHED_PREFIX_BYTES - 2;
  const literal = escapeText(prefix);
  if (literal.length <= searchable) return { encoded: literal, exact: true };
  return { encoded: cutEscaped(literal, searchable), exact: false };
}

/** A short, stable digest of a key value, for audit entries that must not repeat personal data. */
export function keyValueDigest(value: KeyValue): string {
  return createHash("sha256").update(keyValueBytes(value)).digest("hex");
}
