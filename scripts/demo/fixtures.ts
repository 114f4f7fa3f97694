/**
 * What the demo promises to be there, for the walkthrough in docs/DEMO.md and for the
 * browser tests: the logins, and a few records with known keys, deletion times and
 * live states. Plain data, no imports, so any test can use it.
 *
 * Times are relative to the UTC day the demo was seeded on: `daysAgo: 1, time: "14:32:10"`
 * is yesterday at 14:32:10 UTC.
 */

export const DEMO_SERVICES = {
  contacts: "usr-contact-svc",
  orders: "sor-service-order-svc",
  units: "unt-svc",
} as const;

export const DEFAULT_DEMO_PASSWORD = "lazarus-demo";

export const DEMO_LOGINS = [
  { email: "viewer@demo.lazarus", role: "viewer" },
  { email: "support@demo.lazarus", role: "support" },
  { email: "compliance@demo.lazarus", role: "compliance" },
  { email: "admin@demo.lazarus", role: "admin" },
] as const;

/** A second compliance officer and admin, so one person can ask for an action under approval and another approve it (docs/APPROVALS.md). */
export const DEMO_SECOND_LOGINS = [
  { email: "compliance2@demo.lazarus", role: "compliance" },
  { email: "admin2@demo.lazarus", role: "admin" },
] as const;

export type LiveState = "gone" | "identical" | "changed";

export interface WalkthroughDeletion {
  daysAgo: number;
  /** HH:MM:SS, UTC. */
  time: string;
  deletionType: "ttl" | "manual";
}

export interface WalkthroughRecord {
  /** Which of the demo's services (DEMO_SERVICES) holds it. */
  service: keyof typeof DEMO_SERVICES;
  serviceName: string;
  partitionKey: string;
  sortKey?: string;
  /** Every archived deletion of this key, oldest first. */
  deletions: WalkthroughDeletion[];
  /** The live table compared with the latest deletion. */
  live: LiveState;
  storageClass: "STANDARD" | "GLACIER";
  story: string;
}

const record = (r: Omit<WalkthroughRecord, "serviceName" | "storageClass"> & { storageClass?: "GLACIER" }): WalkthroughRecord => ({
  ...r,
  serviceName: DEMO_SERVICES[r.service],
  storageClass: r.storageClass ?? "STANDARD",
});

/** The bad clean-up job of the demo's history: service orders deleted in bulk, all manual. */
export const DEMO_INCIDENT = {
  service: "orders" as const,
  daysAgo: 12,
  from: "10:30:00",
  to: "10:41:59",
  story: "A clean-up job meant for cancelled orders deleted scheduled ones; restoring to 10:29:59 undoes it.",
};

/** Maria Jensen's address in her deleted profile (CONTACT#c-1001): what support has when the customer only knows it. */
export const WALKTHROUGH_EMAIL = "maria.jensen@example.com";

export const WALKTHROUGH = {
  /** The walkthrough's record: support finds it by key and restores it (no-clobber). */
  restorable: record({
    service: "contacts",
    partitionKey: "CONTACT#c-1001",
    sortKey: "PROFILE",
    deletions: [{ daysAgo: 1, time: "14:32:10", deletionType: "manual" }],
    live: "gone",
    story: "Maria Jensen's profile, deleted by hand yesterday; not live, so it can be restored as it was.",
  }),
  identical: record({
    service: "contacts",
    partitionKey: "CONTACT#c-1002",
    sortKey: "PROFILE",
    deletions: [{ daysAgo: 3, time: "09:05:44", deletionType: "manual" }],
    live: "identical",
    story: "Deleted three days ago and re-created exactly as it was: the diff says identical.",
  }),
  changed: record({
    service: "contacts",
    partitionKey: "CONTACT#c-1003",
    sortKey: "PROFILE",
    deletions: [{ daysAgo: 6, time: "16:48:02", deletionType: "manual" }],
    live: "changed",
    story: "Re-created since with another email, a new loyalty tier, no nickname, another locale and a second address line.",
  }),
  ttlExpired: record({
    service: "contacts",
    partitionKey: "CONTACT#c-1004",
    sortKey: "PROFILE",
    deletions: [{ daysAgo: 2, time: "03:17:29", deletionType: "ttl" }],
    live: "gone",
    story: "A trial profile removed by TTL two days ago: restored as-is it would expire again.",
  }),
  deletedThreeTimes: record({
    service: "contacts",
    partitionKey: "CONTACT#c-1005",
    sortKey: "PROFILE",
    deletions: [
      { daysAgo: 64, time: "11:02:37", deletionType: "manual" },
      { daysAgo: 29, time: "15:40:09", deletionType: "manual" },
      { daysAgo: 8, time: "08:12:55", deletionType: "manual" },
    ],
    live: "gone",
    story: "Deleted, re-created and deleted again, three times: a key search lists all three.",
  }),
  glacier: record({
    service: "contacts",
    partitionKey: "CONTACT#c-0420",
    sortKey: "PROFILE",
    deletions: [{ daysAgo: 412, time: "11:20:33", deletionType: "manual" }],
    live: "gone",
    storageClass: "GLACIER",
    story: "Deleted over a year ago; the archive object is in Glacier Flexible Retrieval and must be retrieved before it can be read.",
  }),
  incidentOrder: record({
    service: "orders",
    partitionKey: "ORDER#o-90017",
    sortKey: "DETAILS",
    deletions: [{ daysAgo: DEMO_INCIDENT.daysAgo, time: "10:33:41", deletionType: "manual" }],
    live: "gone",
    story: "One of the scheduled orders the clean-up job deleted.",
  }),
  expiredDraftOrder: record({
    service: "orders",
    partitionKey: "ORDER#o-90931",
    sortKey: "DETAILS",
    deletions: [{ daysAgo: 1, time: "06:51:18", deletionType: "ttl" }],
    live: "gone",
    story: "A draft order nobody finished, expired by TTL yesterday.",
  }),
  unit: record({
    service: "units",
    partitionKey: "U-100042",
    deletions: [{ daysAgo: 4, time: "13:27:50", deletionType: "manual" }],
    live: "changed",
    story: "A heat pump deleted by mistake and registered again since, with new firmware, another floor and a corrected reading.",
  }),
} as const satisfies Record<string, WalkthroughRecord>;

/**
 * A live item whose TTL runs out a few minutes after seeding: the local stack's TTL
 * sweeper deletes it and the archiver archives it as a TTL deletion of today.
 */
export const EXPIRING_SOON = {
  service: "contacts" as const,
  serviceName: DEMO_SERVICES.contacts,
  partitionKey: "CONTACT#c-1006",
  sortKey: "SESSION#7c1e9a4b20d3f5e8",
  expiresAfterSeconds: 180,
};

/** Failed batches the demo leaves in each service's on-failure destination (SQS messages or S3 objects, as configured). */
export const DEMO_FAILED_BATCHES = { contacts: 2, orders: 2, units: 1 } as const;

export function walkthroughDeletedAt(deletion: WalkthroughDeletion, seededAt: Date): Date {
  const day = Date.UTC(seededAt.getUTCFullYear(), seededAt.getUTCMonth(), seededAt.getUTCDate()) - deletion.daysAgo * 86_400_000;
  const [h, m, s] = deletion.time.split(":").map(Number) as [number, number, number];
  return new Date(day + ((h * 60 + m) * 60 + s) * 1_000);
}
