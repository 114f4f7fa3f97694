import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import type { DeletionType } from "../../lib/archive/stream-record";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { DEMO_INCIDENT, DEMO_SERVICES, EXPIRING_SOON, WALKTHROUGH, WALKTHROUGH_EMAIL, walkthroughDeletedAt, type WalkthroughRecord } from "./fixtures";
import {
  contactAddress,
  contactConsent,
  contactProfile,
  contactSession,
  contactVerification,
  orderDetails,
  orderNote,
  recreatedWithChanges,
  unitItem,
  type ItemShape,
} from "./items";
import { Random, stableHex } from "./random";
import { CITIES, UNIT_MODELS } from "./vocabulary";

/**
 * The demo's history, as data: which items were deleted when (and how), and what is
 * live now. Nothing here talks to AWS. The same seed, scale and UTC day always give
 * the same plan, so seeding again writes nothing new.
 *
 * The history ends yesterday: today's deletions are the real ones the local stack
 * archives while the demo runs (the TTL sweeper's, and whatever the user deletes).
 */

export type DemoKind = keyof typeof DEMO_SERVICES;
export type DemoScale = "small" | "full";
export type DemoServiceNames = Record<DemoKind, string>;

export interface DemoService {
  kind: DemoKind;
  config: ServiceConfig;
  shape: ItemShape;
}

export interface PlannedDeletion {
  kind: DemoKind;
  service: ServiceConfig;
  eventId: string;
  sequenceNumber: string;
  deletedAt: Date;
  archivedAt: Date;
  deletionType: DeletionType;
  keys: Record<string, KeyValue>;
  oldImage: AttributeMap;
  storageClass: "STANDARD" | "GLACIER";
}

export type LiveReason = "identical" | "changed" | "current" | "expiring";

export interface PlannedLiveItem {
  kind: DemoKind;
  service: ServiceConfig;
  item: AttributeMap;
  reason: LiveReason;
}

export interface DemoPlan {
  /** Midnight UTC of the day the history is relative to. */
  day: Date;
  deletions: PlannedDeletion[];
  live: PlannedLiveItem[];
}

export const DEFAULT_DEMO_SEED = "lazarus-demo";
export const HISTORY_DAYS = 120;
const DAY_MS = 86_400_000;
const SECOND_MS = 1_000;

interface Volume {
  manual: number;
  ttl: number;
  /** Manual deletions on the first of each month (contacts: the inactive-account purge). */
  monthlyPurge: number;
  /** Manual deletions in DEMO_INCIDENT's window (orders). */
  incident: number;
  /** Deletions from more than a year ago, in Glacier. */
  glacier: number;
  /** Live items that were never deleted. */
  current: number;
}

const VOLUMES: Record<DemoScale, Record<DemoKind, Volume>> = {
  full: {
    contacts: { manual: 600, ttl: 700, monthlyPurge: 35, incident: 0, glacier: 6, current: 120 },
    orders: { manual: 600, ttl: 400, monthlyPurge: 0, incident: 260, glacier: 4, current: 120 },
    units: { manual: 350, ttl: 150, monthlyPurge: 0, incident: 0, glacier: 2, current: 80 },
  },
  small: {
    contacts: { manual: 60, ttl: 70, monthlyPurge: 4, incident: 0, glacier: 2, current: 15 },
    orders: { manual: 55, ttl: 35, monthlyPurge: 0, incident: 30, glacier: 1, current: 15 },
    units: { manual: 35, ttl: 15, monthlyPurge: 0, incident: 0, glacier: 1, current: 10 },
  },
};

/** Share of archived keys (manual deletions, no TTL) re-created since: identical, then changed. */
const RECREATED_IDENTICAL = 0.05;
const RECREATED_CHANGED = 0.05;

/** People delete by hand in working hours (UTC), Monday the most, Sunday the least. */
const MANUAL_HOUR_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.5, 2.5, 3, 3, 2.8, 2.2, 2.6, 2.8, 2.6, 2.2, 1.6, 1, 0.7, 0.5, 0.4, 0.3, 0.2];
const MANUAL_WEEKDAY_WEIGHTS = [0.25, 1.15, 1.1, 1.05, 1, 0.9, 0.35]; // Sunday first, as getUTCDay

/** Newly expiring live items (seconds after seeding) besides EXPIRING_SOON, per service. */
const EXTRA_EXPIRING: Record<DemoScale, Record<DemoKind, number[]>> = {
  full: { contacts: [420, 900], orders: [300, 720], units: [540] },
  small: { contacts: [], orders: [360], units: [600] },
};

export class DemoConfigError extends Error {
  override name = "DemoConfigError";
}

/** The config's services that play the demo's contact, order and unit services. */
export function resolveDemoServices(config: LazarusConfig, names: DemoServiceNames = DEMO_SERVICES): DemoService[] {
  return (Object.keys(names) as DemoKind[]).map((kind) => {
    const service = config.services.find((s) => s.name === names[kind]);
    if (!service) {
      throw new DemoConfigError(
        `the demo seeds a service named "${names[kind]}" (${kind}), which the config does not have; configured: ${config.services.map((s) => s.name).join(", ")}`,
      );
    }
    const t = service.table;
    const wantsSortKey = kind !== "units";
    if (t.partitionKey.type !== "S" || (t.sortKey && t.sortKey.type !== "S") || Boolean(t.sortKey) !== wantsSortKey) {
      throw new DemoConfigError(
        `the demo's ${kind} data needs ${service.name}'s table keyed on a string partition key${wantsSortKey ? " and a string sort key" : " only"}`,
      );
    }
    return {
      kind,
      config: service,
      shape: {
        partitionKey: t.partitionKey.name,
        ...(t.sortKey ? { sortKey: t.sortKey.name } : {}),
        ...(t.ttlAttribute ? { ttlAttribute: t.ttlAttribute } : {}),
      },
    };
  });
}

/** A deletion before it is numbered: when, how, and the item as it was. */
interface DraftDeletion {
  label: string;
  at: Date;
  deletionType: DeletionType;
  item: AttributeMap;
  isWalkthrough: boolean;
}

export function planDemo(options: { services: DemoService[]; now: Date; scale?: DemoScale; seed?: string }): DemoPlan {
  const { services, now } = options;
  const scale = options.scale ?? "full";
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const deletions: PlannedDeletion[] = [];
  const live: PlannedLiveItem[] = [];

  for (const service of services) {
    const volume = VOLUMES[scale][service.kind];
    const rngFor = (label: string) => new Random(`${seed}/${service.kind}/${label}`);
    const drafts: DraftDeletion[] = [
      ...dailyHistory(service, volume, day, rngFor),
      ...incidentHistory(service, volume, day, rngFor),
      ...glacierHistory(service, volume, day, rngFor),
    ];
    const walkthrough = walkthroughHistory(service, now, rngFor);
    drafts.push(...walkthrough.deletions);

    const numbered = numberDeletions(service, drafts, day, seed);
    deletions.push(...numbered);

    live.push(...walkthrough.live.map((w) => ({ kind: service.kind, service: service.config, ...w })));
    live.push(...recreatedItems(service, numbered, drafts, day, rngFor));
    live.push(...currentItems(service, volume, now, rngFor));
    live.push(...expiringItems(service, scale, now, rngFor));
  }
  return { day, deletions, live };
}

function dailyHistory(service: DemoService, volume: Volume, day: Date, rngFor: (label: string) => Random): DraftDeletion[] {
  const drafts: DraftDeletion[] = [];
  const hasTtl = Boolean(service.shape.ttlAttribute);
  const days = Array.from({ length: HISTORY_DAYS }, (_, i) => i + 1);
  // Volume grows a little towards today; each day wobbles by up to 30 %.
  const weights = days.map((d) => {
    const date = new Date(day.getTime() - d * DAY_MS);
    const wobble = rngFor(`d${d}/volume`);
    const trend = 0.85 + 0.3 * (1 - d / HISTORY_DAYS);
    return {
      d,
      date,
      manual: (MANUAL_WEEKDAY_WEIGHTS[date.getUTCDay()] as number) * trend * (0.7 + 0.6 * wobble.next()),
      ttl: trend * (0.8 + 0.4 * wobble.next()),
    };
  });
  const manualBase = volume.manual / weights.reduce((sum, w) => sum + w.manual, 0);
  const ttlBase = hasTtl ? volume.ttl / weights.reduce((sum, w) => sum + w.ttl, 0) : 0;

  for (const w of weights) {
    const roll = rngFor(`d${w.d}/count`);
    const count = (expected: number) => Math.floor(expected) + (roll.next() < expected % 1 ? 1 : 0);
    for (let j = 0, n = count(manualBase * w.manual); j < n; j++) {
      const label = `d${w.d}/manual/${j}`;
      const rng = rngFor(label);
      const at = timeOfDay(w.date, rng.weighted(MANUAL_HOUR_WEIGHTS), rng);
      drafts.push({ label, at, deletionType: "manual", item: manualItem(service, rng, at), isWalkthrough: false });
    }
    for (let j = 0, n = count(ttlBase * w.ttl); j < n; j++) {
      const label = `d${w.d}/ttl/${j}`;
      const rng = rngFor(label);
      const at = timeOfDay(w.date, rng.int(0, 23), rng);
      drafts.push({ label, at, deletionType: "ttl", item: expiredItem(service, rng, at), isWalkthrough: false });
    }
    if (volume.monthlyPurge > 0 && w.date.getUTCDate() === 1) {
      for (let j = 0; j < volume.monthlyPurge; j++) {
        const label = `d${w.d}/purge/${j}`;
        const rng = rngFor(label);
        // The purge job runs at 02:00 and takes about twenty minutes.
        const at = new Date(w.date.getTime() + 2 * 3_600_000 + rng.int(0, 1_200) * SECOND_MS);
        const item = contactProfile(rng, service.shape, `c-${rng.int(2_000, 89_999)}`, at, { status: "dormant" });
        drafts.push({ label, at, deletionType: "manual", item, isWalkthrough: false });
      }
    }
  }
  return drafts;
}

function incidentHistory(service: DemoService, volume: Volume, day: Date, rngFor: (label: string) => Random): DraftDeletion[] {
  if (volume.incident === 0 || service.kind !== DEMO_INCIDENT.service) return [];
  const start = walkthroughDeletedAt({ daysAgo: DEMO_INCIDENT.daysAgo, time: DEMO_INCIDENT.from, deletionType: "manual" }, day);
  const end = walkthroughDeletedAt({ daysAgo: DEMO_INCIDENT.daysAgo, time: DEMO_INCIDENT.to, deletionType: "manual" }, day);
  const span = Math.floor((end.getTime() - start.getTime()) / SECOND_MS);
  return Array.from({ length: volume.incident }, (_, j) => {
    const label = `incident/${j}`;
    const rng = rngFor(label);
    const at = new Date(start.getTime() + rng.int(0, span) * SECOND_MS);
    return { label, at, deletionType: "manual" as const, item: orderDetails(rng, service.shape, `o-${rng.int(10_000, 89_999)}`, at, { status: "SCHEDULED" }), isWalkthrough: false };
  });
}

function glacierHistory(service: DemoService, volume: Volume, day: Date, rngFor: (label: string) => Random): DraftDeletion[] {
  return Array.from({ length: volume.glacier }, (_, j) => {
    const label = `glacier/${j}`;
    const rng = rngFor(label);
    const at = timeOfDay(new Date(day.getTime() - rng.int(370, 540) * DAY_MS), rng.weighted(MANUAL_HOUR_WEIGHTS), rng);
    return { label, at, deletionType: "manual" as const, item: manualItem(service, rng, at), isWalkthrough: false };
  });
}

function timeOfDay(date: Date, hour: number, rng: Random): Date {
  return new Date(date.getTime() + hour * 3_600_000 + rng.int(0, 3_599) * SECOND_MS);
}

/** Something a person deleted: a closed account, an old address, a cancelled order, a scrapped unit. */
function manualItem(service: DemoService, rng: Random, at: Date): AttributeMap {
  const shape = service.shape;
  switch (service.kind) {
    case "contacts": {
      const id = `c-${rng.int(2_000, 89_999)}`;
      const kind = rng.weighted([0.55, 0.3, 0.15]);
      if (kind === 0) return contactProfile(rng, shape, id, at, { status: rng.pick(["active", "closed", "closed"]) });
      return kind === 1 ? contactAddress(rng, shape, id, at) : contactConsent(rng, shape, id, at);
    }
    case "orders": {
      const id = `o-${rng.int(10_000, 89_999)}`;
      return rng.chance(0.8) ? orderDetails(rng, shape, id, at, { status: rng.pick(["CANCELLED", "CANCELLED", "COMPLETED"]) }) : orderNote(rng, shape, id, at);
    }
    case "units":
      return unitItem(rng, shape, `U-${rng.int(200_000, 799_999)}`, at, { status: "decommissioned" });
  }
}

/** Something TTL removed: its TTL attribute passed some minutes to a day and a half before. */
function expiredItem(service: DemoService, rng: Random, at: Date): AttributeMap {
  const shape = service.shape;
  const expiredAt = new Date(at.getTime() - rng.int(5 * 60, 36 * 3_600) * SECOND_MS);
  switch (service.kind) {
    case "contacts": {
      const id = `c-${rng.int(2_000, 89_999)}`;
      const kind = rng.weighted([0.6, 0.3, 0.1]);
      if (kind === 0) return contactSession(rng, shape, id, expiredAt);
      if (kind === 1) return contactVerification(rng, shape, id, expiredAt);
      return contactProfile(rng, shape, id, at, { status: "trial", trialExpiresAt: expiredAt });
    }
    case "orders":
      return orderDetails(rng, shape, `o-${rng.int(10_000, 89_999)}`, at, { status: "DRAFT", expiresAt: expiredAt });
    case "units":
      return unitItem(rng, shape, `U-${rng.int(200_000, 799_999)}`, at, { status: "loaner", expiresAt: expiredAt });
  }
}

const WALKTHROUGH_PEOPLE: Record<string, { givenName: string; familyName: string; nickname: string | null; city: (typeof CITIES)[number]; email?: string }> = {
  restorable: { givenName: "Maria", familyName: "Jensen", nickname: "Mia", city: CITIES[0], email: WALKTHROUGH_EMAIL },
  identical: { givenName: "Jonas", familyName: "Okafor", nickname: null, city: CITIES[1] },
  changed: { givenName: "Aisha", familyName: "Haddad", nickname: "Ash", city: CITIES[2] },
  ttlExpired: { givenName: "Liam", familyName: "Walsh", nickname: null, city: CITIES[9] },
  deletedThreeTimes: { givenName: "Sofia", familyName: "Costa", nickname: "Sofi", city: CITIES[3] },
  glacier: { givenName: "Kwame", familyName: "Mensah", nickname: null, city: CITIES[5] },
};

/** The records docs/DEMO.md and the browser tests rely on, with their live state. */
function walkthroughHistory(
  service: DemoService,
  now: Date,
  rngFor: (label: string) => Random,
): { deletions: DraftDeletion[]; live: { item: AttributeMap; reason: LiveReason }[] } {
  const deletions: DraftDeletion[] = [];
  const live: { item: AttributeMap; reason: LiveReason }[] = [];
  const records = Object.entries(WALKTHROUGH) as [string, WalkthroughRecord][];
  for (const [name, record] of records.filter(([, r]) => r.service === service.kind)) {
    let last: AttributeMap | undefined;
    record.deletions.forEach((deletion, i) => {
      const label = `walkthrough/${name}/${i}`;
      const rng = rngFor(label);
      const at = walkthroughDeletedAt(deletion, now);
      const item = walkthroughItem(service, name, record, rng, at, deletion.deletionType);
      deletions.push({ label, at, deletionType: deletion.deletionType, item, isWalkthrough: true });
      last = item;
    });
    if (!last || record.live === "gone") continue;
    const recreatedAt = new Date(walkthroughDeletedAt(record.deletions.at(-1) as WalkthroughRecord["deletions"][number], now).getTime() + 5 * 3_600_000);
    live.push(
      record.live === "identical"
        ? { item: last, reason: "identical" }
        : { item: recreatedWithChanges(rngFor(`walkthrough/${name}/live`), last, recreatedAt), reason: "changed" },
    );
  }
  return { deletions, live };
}

function walkthroughItem(service: DemoService, name: string, record: WalkthroughRecord, rng: Random, at: Date, type: DeletionType): AttributeMap {
  const shape = service.shape;
  const expiredAt = new Date(at.getTime() - 3 * 3_600_000);
  if (service.kind === "contacts") {
    const person = WALKTHROUGH_PEOPLE[name] ?? WALKTHROUGH_PEOPLE.restorable!;
    const id = record.partitionKey.replace(/^CONTACT#/, "");
    return contactProfile(rng, shape, id, at, {
      ...person,
      rich: true,
      status: type === "ttl" ? "trial" : "active",
      ...(type === "ttl" ? { trialExpiresAt: expiredAt } : {}),
    });
  }
  if (service.kind === "orders") {
    const id = record.partitionKey.replace(/^ORDER#/, "");
    return type === "ttl"
      ? orderDetails(rng, shape, id, at, { status: "DRAFT", expiresAt: expiredAt, customerId: WALKTHROUGH.restorable.partitionKey })
      : orderDetails(rng, shape, id, at, { status: "SCHEDULED", customerId: WALKTHROUGH.restorable.partitionKey, unitId: WALKTHROUGH.unit.partitionKey });
  }
  return unitItem(rng, shape, record.partitionKey, at, { status: "active", model: UNIT_MODELS[2] });
}

/**
 * Event ids, sequence numbers and archive times. Sequence numbers grow with deletion
 * time, as a stream's do; event ids come from the seed, so the archive object names
 * (which hash the event id) are the same on every run.
 */
function numberDeletions(service: DemoService, drafts: DraftDeletion[], day: Date, seed: string): PlannedDeletion[] {
  const sorted = [...drafts].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.label < b.label ? -1 : 1));
  return sorted.map((draft, i) => {
    const rng = new Random(`${seed}/${service.kind}/${draft.label}/archived`);
    const seconds = BigInt(Math.floor(draft.at.getTime() / SECOND_MS));
    return {
      kind: service.kind,
      service: service.config,
      eventId: stableHex(`${seed}/${service.kind}/${draft.label}`),
      sequenceNumber: (4n * 10n ** 24n + seconds * 1_000_000n + BigInt(i)).toString(),
      deletedAt: draft.at,
      archivedAt: new Date(draft.at.getTime() + rng.int(150, 2_500)),
      deletionType: draft.deletionType,
      keys: keysOf(service.shape, draft.item),
      oldImage: draft.item,
      // As the seed's lifecycle (Glacier after 365 days) would have left them.
      storageClass: draft.at.getTime() < day.getTime() - 365 * DAY_MS ? "GLACIER" : "STANDARD",
    };
  });
}

function keysOf(shape: ItemShape, item: AttributeMap): Record<string, KeyValue> {
  const pick = (name: string): KeyValue => {
    const value = item[name];
    if (!value || !("S" in value)) throw new Error(`demo item without a string "${name}"`);
    return value;
  };
  return { [shape.partitionKey]: pick(shape.partitionKey), ...(shape.sortKey ? { [shape.sortKey]: pick(shape.sortKey) } : {}) };
}

/** Keys archived by hand and re-created since, identically or with changes; most stay gone. */
function recreatedItems(
  service: DemoService,
  deletions: PlannedDeletion[],
  drafts: DraftDeletion[],
  day: Date,
  rngFor: (label: string) => Random,
): PlannedLiveItem[] {
  const walkthroughKeys = new Set(drafts.filter((d) => d.isWalkthrough).map((d) => keyId(keysOf(service.shape, d.item))));
  const latest = new Map<string, PlannedDeletion>();
  for (const d of deletions) latest.set(keyId(d.keys), d);
  const items: PlannedLiveItem[] = [];
  for (const [id, d] of latest) {
    const ttl = service.shape.ttlAttribute;
    // A re-created item with a TTL in the past would be expired at once by the sweeper.
    if (walkthroughKeys.has(id) || d.deletionType !== "manual" || d.storageClass !== "STANDARD" || (ttl && d.oldImage[ttl])) continue;
    const rng = rngFor(`live/${d.eventId}`);
    const roll = rng.next();
    if (roll < RECREATED_IDENTICAL) items.push({ kind: service.kind, service: service.config, item: d.oldImage, reason: "identical" });
    else if (roll < RECREATED_IDENTICAL + RECREATED_CHANGED) {
      const recreatedAt = new Date(Math.min(d.deletedAt.getTime() + rng.int(1, 240) * 3_600_000, day.getTime() - 60 * SECOND_MS));
      items.push({ kind: service.kind, service: service.config, item: recreatedWithChanges(rng, d.oldImage, recreatedAt), reason: "changed" });
    }
  }
  return items;
}

function keyId(keys: Record<string, KeyValue>): string {
  return JSON.stringify(Object.entries(keys).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Items that were never deleted; TTL'd ones expire weeks from now. */
function currentItems(service: DemoService, volume: Volume, now: Date, rngFor: (label: string) => Random): PlannedLiveItem[] {
  const shape = service.shape;
  return Array.from({ length: volume.current }, (_, i) => {
    const rng = rngFor(`current/${i}`);
    const later = new Date(now.getTime() + rng.int(3, 30) * DAY_MS);
    const hasTtl = Boolean(shape.ttlAttribute) && rng.chance(0.25);
    let item: AttributeMap;
    if (service.kind === "contacts") {
      const id = `c-${90_000 + i}`;
      item = hasTtl ? contactSession(rng, shape, id, later) : contactProfile(rng, shape, id, now);
    } else if (service.kind === "orders") {
      const id = `o-${95_000 + i}`;
      item = orderDetails(rng, shape, id, now, hasTtl ? { status: "DRAFT", expiresAt: later } : { status: "SCHEDULED" });
    } else {
      item = unitItem(rng, shape, `U-${900_000 + i}`, now, hasTtl ? { status: "loaner", expiresAt: later } : {});
    }
    return { kind: service.kind, service: service.config, item, reason: "current" as const };
  });
}

/** Items whose TTL runs out minutes after seeding: the sweeper's first real deletions. */
function expiringItems(service: DemoService, scale: DemoScale, now: Date, rngFor: (label: string) => Random): PlannedLiveItem[] {
  const shape = service.shape;
  if (!shape.ttlAttribute) return [];
  const at = (seconds: number) => new Date(Math.floor(now.getTime() / SECOND_MS) * SECOND_MS + seconds * SECOND_MS);
  const items: AttributeMap[] = [];
  if (service.kind === EXPIRING_SOON.service) {
    const rng = rngFor("expiring/walkthrough");
    const id = EXPIRING_SOON.partitionKey.replace(/^CONTACT#/, "");
    items.push(contactSession(rng, shape, id, at(EXPIRING_SOON.expiresAfterSeconds), EXPIRING_SOON.sortKey.replace(/^SESSION#/, "")));
  }
  EXTRA_EXPIRING[scale][service.kind].forEach((seconds, i) => {
    const rng = rngFor(`expiring/${i}`);
    const expiresAt = at(seconds);
    if (service.kind === "contacts") items.push(contactSession(rng, shape, `c-${91_000 + i}`, expiresAt));
    else if (service.kind === "orders") items.push(orderDetails(rng, shape, `o-${96_000 + i}`, now, { status: "DRAFT", expiresAt }));
    else items.push(unitItem(rng, shape, `U-${910_000 + i}`, now, { status: "loaner", expiresAt }));
  });
  return items.map((item) => ({ kind: service.kind, service: service.config, item, reason: "expiring" as const }));
}
