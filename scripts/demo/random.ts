import { createHash } from "node:crypto";

/**
 * Deterministic randomness for the demo data. Every record draws from its own
 * generator, seeded from a label such as "usr-contact-svc/day-17/3": adding a
 * record or a field somewhere never shifts what every other record looks like.
 */
export class Random {
  private state: number;

  constructor(label: string) {
    this.state = createHash("sha256").update(label, "utf8").digest().readUInt32LE(0);
  }

  /** mulberry32: small, fast, and good enough for made-up names and times. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer from min to max, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Up to `count` distinct items, in list order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const chosen = new Set<number>();
    const wanted = Math.min(count, items.length);
    while (chosen.size < wanted) chosen.add(Math.floor(this.next() * items.length));
    return [...chosen].sort((a, b) => a - b).map((i) => items[i] as T);
  }

  /** An index chosen with the given weights. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, w) => sum + w, 0);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  hex(length: number): string {
    let out = "";
    while (out.length < length) out += Math.floor(this.next() * 0x1_0000_0000).toString(16).padStart(8, "0");
    return out.slice(0, length);
  }

  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => Math.floor(this.next() * 256)));
  }
}

/** 32 hex digits, as DynamoDB's own eventIDs, derived from a label. */
export function stableHex(label: string, length = 32): string {
  return createHash("sha256").update(label, "utf8").digest("hex").slice(0, length);
}

/** A UUID-shaped value derived from a label (version 5 layout), for request ids and object names. */
export function stableUuid(label: string): string {
  const hex = stableHex(label, 32);
  const variant = ((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
