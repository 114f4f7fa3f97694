import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";

/** The foundation stack keeps the id of the single stack it grew out of, so the archive bucket and key never move. */
export const FOUNDATION_STACK_ID = "Lazarus";

/** CloudFormation's limit on resources in one stack. */
export const STACK_RESOURCE_LIMIT = 500;

/** `Lazarus-Archivers-07`: the stack id and name of one group of archivers; stable for as long as fleet.stacks is. */
export function archiversStackId(index: number): string {
  return `Lazarus-Archivers-${String(index).padStart(2, "0")}`;
}

/**
 * Which archivers stack deploys a service: the one the config names, else one chosen by
 * a hash of the service's name. A service's stack then never depends on which other
 * services are configured or in what order, so adding or removing one moves no other
 * (moving a named function between stacks would make both stacks claim its name).
 */
export function archiversStackIndex(service: ServiceConfig, stacks: number): number {
  return service.stack ?? fnv1a(service.name) % stacks;
}

/** The configured services by archivers stack, in stack order; stacks without services are left out. */
export function servicesByStack(config: LazarusConfig): Array<{ index: number; services: ServiceConfig[] }> {
  const groups = new Map<number, ServiceConfig[]>();
  for (const service of config.services) {
    const index = archiversStackIndex(service, config.fleet.stacks);
    groups.set(index, [...(groups.get(index) ?? []), service]);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([index, services]) => ({ index, services }));
}

/** 32-bit FNV-1a: small, stable across Node versions, and spreads short similar names well. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
