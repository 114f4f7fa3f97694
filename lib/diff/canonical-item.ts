import type { AttributeMap, AttributeValue } from "../archive/attribute-value";

/**
 * One text per item content: attribute names sorted, set members sorted (DynamoDB
 * keeps no set order), everything else as typed JSON. Two items are the same item
 * exactly when their canonical texts are equal. Numbers are compared as the strings
 * DynamoDB returns, which it has already normalized ("1.50" comes back as "1.5").
 * Isomorphic: the diff view and the server's fingerprint share it.
 */
export function canonicalItemJson(item: AttributeMap): string {
  return canonicalMap(item);
}

export function canonicalValueJson(value: AttributeValue): string {
  if ("M" in value) return `{"M":${canonicalMap(value.M)}}`;
  if ("L" in value) return `{"L":[${value.L.map(canonicalValueJson).join(",")}]}`;
  if ("SS" in value) return JSON.stringify({ SS: sortedMembers(value.SS) });
  if ("NS" in value) return JSON.stringify({ NS: sortedMembers(value.NS) });
  if ("BS" in value) return JSON.stringify({ BS: sortedMembers(value.BS) });
  return JSON.stringify(value);
}

function canonicalMap(map: Record<string, AttributeValue>): string {
  const names = Object.keys(map).sort();
  return `{${names.map((name) => `${JSON.stringify(name)}:${canonicalValueJson(map[name] as AttributeValue)}`).join(",")}}`;
}

function sortedMembers(members: readonly string[]): string[] {
  return [...members].sort();
}
