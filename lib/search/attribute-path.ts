/**
 * Attribute paths as people write them: `email`, `address.city`, `lines[0].sku`,
 * `lines[*].sku` (any element). Isomorphic: the search form checks them as you type.
 */

export type PathSegment = { kind: "name"; name: string } | { kind: "index"; index: number } | { kind: "any" };

export const MAX_PATH_LENGTH = 512;
export const MAX_PATH_SEGMENTS = 32;
const MAX_INDEX = 99_999;

export class AttributePathError extends Error {
  override name = "AttributePathError";
}

/** The path's segments; throws AttributePathError saying what is wrong (never echoing long input). */
export function parseAttributePath(text: string): PathSegment[] {
  if (text.trim().length === 0) throw new AttributePathError("is empty: name an attribute, like email or address.city");
  if (text.length > MAX_PATH_LENGTH) throw new AttributePathError(`is longer than ${MAX_PATH_LENGTH} characters`);
  const segments: PathSegment[] = [];
  let i = 0;
  let expectName = true;
  while (i < text.length) {
    const c = text[i];
    if (c === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) throw new AttributePathError(`has a "[" at position ${i + 1} without its "]"`);
      const inner = text.slice(i + 1, close);
      if (inner === "*") segments.push({ kind: "any" });
      else if (/^\d{1,5}$/.test(inner) && Number(inner) <= MAX_INDEX) segments.push({ kind: "index", index: Number(inner) });
      else throw new AttributePathError(`has "[${inner.slice(0, 10)}]" at position ${i + 1}: a list index is a number, like [0], or [*] for any element`);
      if (segments.length === 1) throw new AttributePathError("starts with a list index: start with an attribute name");
      i = close + 1;
      expectName = false;
      continue;
    }
    if (c === ".") {
      if (expectName) throw new AttributePathError(`has an empty name at position ${i + 1}`);
      expectName = true;
      i += 1;
      continue;
    }
    if (c === "]") throw new AttributePathError(`has a "]" at position ${i + 1} without its "["`);
    if (!expectName) throw new AttributePathError(`needs a "." before the name at position ${i + 1}`);
    let end = i;
    while (end < text.length && !".[]".includes(text[end] as string)) end += 1;
    segments.push({ kind: "name", name: text.slice(i, end) });
    expectName = false;
    i = end;
  }
  if (expectName) throw new AttributePathError("ends with a \".\": name the attribute after it");
  if (segments.length > MAX_PATH_SEGMENTS) throw new AttributePathError(`has more than ${MAX_PATH_SEGMENTS} parts`);
  return segments;
}

export function formatAttributePath(segments: readonly PathSegment[]): string {
  return segments
    .map((s, i) => (s.kind === "name" ? `${i === 0 ? "" : "."}${s.name}` : s.kind === "index" ? `[${s.index}]` : "[*]"))
    .join("");
}
