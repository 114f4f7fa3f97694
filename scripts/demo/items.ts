import type { AttributeMap, AttributeValue, KeyValue } from "../../lib/archive/attribute-value";
import type { Random } from "./random";
import {
  ADDRESS_LABELS,
  CHANNELS,
  CITIES,
  CONSENT_PURPOSES,
  CONTACT_TAGS,
  EMAIL_DOMAINS,
  FAMILY_NAMES,
  FIRMWARE_VERSIONS,
  GIVEN_NAMES,
  LOCALES,
  ORDER_NOTES,
  PARTS,
  SERVICE_TYPES,
  SITE_NAMES,
  TECHNICIANS,
  UNIT_MODELS,
} from "./vocabulary";

/**
 * The demo's items, in DynamoDB's typed JSON: contact profiles and their sessions,
 * addresses and consents; service orders and their notes; units. They carry what a
 * restore must bring back byte for byte: nested maps, lists, string/number sets, a
 * 38-digit number, binary attributes, NULL.
 */

/** Attribute names from the config: the demo writes whatever the tables are keyed on. */
export interface ItemShape {
  partitionKey: string;
  sortKey?: string;
  ttlAttribute?: string;
}

const DAY_MS = 86_400_000;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: string | number | bigint): AttributeValue => ({ N: String(value) });
const BOOL = (value: boolean): AttributeValue => ({ BOOL: value });
const M = (value: Record<string, AttributeValue>): AttributeValue => ({ M: value });
const L = (value: AttributeValue[]): AttributeValue => ({ L: value });
const B = (value: Buffer): AttributeValue => ({ B: value.toString("base64") });
const NULL: AttributeValue = { NULL: true };

export function itemKeys(shape: ItemShape, partitionKey: string, sortKey?: string): Record<string, KeyValue> {
  if ((sortKey === undefined) !== (shape.sortKey === undefined)) {
    throw new Error(`the demo item ${partitionKey} does not fit the table's key (${shape.partitionKey}${shape.sortKey ? ` + ${shape.sortKey}` : ""})`);
  }
  return { [shape.partitionKey]: { S: partitionKey }, ...(shape.sortKey && sortKey ? { [shape.sortKey]: { S: sortKey } } : {}) };
}

function withTtl(shape: ItemShape, expiresAt: Date | undefined): AttributeMap {
  if (!expiresAt || !shape.ttlAttribute) return {};
  return { [shape.ttlAttribute]: N(Math.floor(expiresAt.getTime() / 1000)) };
}

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
const before = (rng: Random, date: Date, minDays: number, maxDays: number) =>
  new Date(date.getTime() - rng.int(minDays * 24, maxDays * 24) * 3_600_000 - rng.int(0, 3_599) * 1_000);
const ascii = (text: string) => text.normalize("NFD").replace(/[^\x20-\x7e]/g, "").replace(/'/g, "");

/** A number DynamoDB keeps exactly and JavaScript does not: 38 significant digits. */
function thirtyEightDigits(rng: Random): string {
  let digits = String(rng.int(1, 9));
  while (digits.length < 38) digits += String(rng.int(0, 9));
  return digits;
}

/** A tiny made-up PNG: a real signature and header, then noise. */
function thumbnail(rng: Random): Buffer {
  return Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), rng.bytes(40)]);
}

function decimal(rng: Random, min: number, max: number, places: number): string {
  return (min + rng.next() * (max - min)).toFixed(places);
}

// ---- contacts (usr-contact-svc) -------------------------------------------------------

export interface PersonOptions {
  givenName?: string;
  familyName?: string;
  nickname?: string | null;
  city?: (typeof CITIES)[number];
  /** A fixed address for a walkthrough person, so a guide (and a test) can search for it. */
  email?: string;
}

export function contactProfile(
  rng: Random,
  shape: ItemShape,
  contactId: string,
  asOf: Date,
  options: PersonOptions & { status?: string; trialExpiresAt?: Date; rich?: boolean } = {},
): AttributeMap {
  const given = options.givenName ?? rng.pick(GIVEN_NAMES);
  const family = options.familyName ?? rng.pick(FAMILY_NAMES);
  const place = options.city ?? rng.pick(CITIES);
  const createdAt = before(rng, asOf, 40, 1_400);
  const updatedAt = before(rng, asOf, 1, 30);
  const rich = options.rich ?? false;
  const nickname = options.nickname === undefined ? (rng.chance(0.3) ? given.slice(0, 3) : null) : options.nickname;
  const tags = rng.sample(CONTACT_TAGS, rng.int(0, 3));
  const channels = rng.sample(CHANNELS, rng.int(1, 3));
  const item: AttributeMap = {
    ...itemKeys(shape, `CONTACT#${contactId}`, "PROFILE"),
    entityType: S("contact"),
    contactId: S(contactId),
    givenName: S(given),
    familyName: S(family),
    // Drawn even when fixed, so every later random value of the demo stays the same.
    email: S(((drawn) => options.email ?? drawn)(`${ascii(given).toLowerCase()}.${ascii(family).toLowerCase()}${rng.int(1, 99)}@${rng.pick(EMAIL_DOMAINS)}`)),
    phone: S(`+${place.dialCode} ${rng.int(200, 999)} ${rng.int(100, 999)} ${rng.int(100, 999)}`),
    status: S(options.status ?? "active"),
    createdAt: S(iso(createdAt)),
    updatedAt: S(iso(updatedAt)),
    address: M({
      line1: S(`${rng.int(1, 180)} ${rng.pick(place.streets)}`),
      city: S(place.city),
      postcode: S(place.postcode),
      country: S(place.country),
    }),
    preferences: M({
      newsletter: BOOL(rng.chance(0.4)),
      locale: S(rng.chance(0.85) ? place.locale : rng.pick(LOCALES)),
      channels: L(channels.map(S)),
      quietHours: M({ from: S("21:00"), to: S(rng.pick(["07:00", "07:30", "08:00"])) }),
    }),
    loyaltyPoints: N(rng.int(0, 48_000)),
    consentHistory: L(
      rng.sample(CONSENT_PURPOSES, rng.int(1, 3)).map((purpose) =>
        M({ purpose: S(purpose), granted: BOOL(rng.chance(0.7)), at: S(iso(before(rng, asOf, 30, 700))) }),
      ),
    ),
  };
  if (nickname) item.nickname = S(nickname);
  if (tags.length > 0) item.tags = { SS: tags };
  if (rich || rng.chance(0.4)) item.legacyCustomerNumber = N(thirtyEightDigits(rng));
  if (rich || rng.chance(0.25)) item.avatarThumbnail = B(thumbnail(rng));
  if (rich || rng.chance(0.3)) item.favouriteStoreIds = { NS: rng.sample(["104", "117", "230", "318", "402", "555", "781"], rng.int(1, 3)) };
  if (rng.chance(0.2)) item.marketingOptOutAt = NULL;
  if (options.trialExpiresAt) Object.assign(item, { plan: S("trial") }, withTtl(shape, options.trialExpiresAt));
  return item;
}

export function contactSession(rng: Random, shape: ItemShape, contactId: string, expiresAt: Date, sessionId = rng.hex(16)): AttributeMap {
  const createdAt = new Date(expiresAt.getTime() - rng.pick([1, 7, 30]) * DAY_MS);
  return {
    ...itemKeys(shape, `CONTACT#${contactId}`, `SESSION#${sessionId}`),
    entityType: S("session"),
    createdAt: S(iso(createdAt)),
    lastSeenAt: S(iso(new Date(createdAt.getTime() + rng.int(60, 86_400) * 1_000))),
    device: M({
      userAgent: S(rng.pick(["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "LazarusCustomerApp/4.2 (Android 15)"])),
      ip: S(`198.51.100.${rng.int(1, 254)}`),
    }),
    scopes: { SS: rng.sample(["profile:read", "profile:write", "orders:read", "payments"], rng.int(1, 3)) },
    ...withTtl(shape, expiresAt),
  };
}

export function contactVerification(rng: Random, shape: ItemShape, contactId: string, expiresAt: Date): AttributeMap {
  const channel = rng.pick(["email", "phone"]);
  return {
    ...itemKeys(shape, `CONTACT#${contactId}`, `VERIFY#${channel}`),
    entityType: S("verification"),
    channel: S(channel),
    tokenHash: B(rng.bytes(32)),
    attempts: N(rng.int(0, 3)),
    createdAt: S(iso(new Date(expiresAt.getTime() - 24 * 3_600_000))),
    ...withTtl(shape, expiresAt),
  };
}

export function contactAddress(rng: Random, shape: ItemShape, contactId: string, asOf: Date): AttributeMap {
  const place = rng.pick(CITIES);
  return {
    ...itemKeys(shape, `CONTACT#${contactId}`, `ADDRESS#${rng.pick(ADDRESS_LABELS)}`),
    entityType: S("address"),
    line1: S(`${rng.int(1, 180)} ${rng.pick(place.streets)}`),
    city: S(place.city),
    postcode: S(place.postcode),
    country: S(place.country),
    isPrimary: BOOL(rng.chance(0.3)),
    geo: M({ lat: N(decimal(rng, Number(place.lat) - 0.05, Number(place.lat) + 0.05, 6)), lon: N(decimal(rng, Number(place.lon) - 0.05, Number(place.lon) + 0.05, 6)) }),
    updatedAt: S(iso(before(rng, asOf, 1, 200))),
  };
}

export function contactConsent(rng: Random, shape: ItemShape, contactId: string, asOf: Date): AttributeMap {
  return {
    ...itemKeys(shape, `CONTACT#${contactId}`, `CONSENT#${rng.pick(CONSENT_PURPOSES)}`),
    entityType: S("consent"),
    granted: BOOL(rng.chance(0.6)),
    source: S(rng.pick(["web-signup", "call-centre", "mobile-app", "paper-form"])),
    policyVersion: N(rng.pick(["3.1", "3.2", "4.0"])),
    recordedAt: S(iso(before(rng, asOf, 10, 600))),
  };
}

// ---- service orders (sor-service-order-svc) ---------------------------------------------

export function orderDetails(
  rng: Random,
  shape: ItemShape,
  orderId: string,
  asOf: Date,
  options: { status?: string; expiresAt?: Date; customerId?: string; unitId?: string } = {},
): AttributeMap {
  const service = rng.pick(SERVICE_TYPES);
  const parts = rng.sample(PARTS, rng.int(0, 2));
  const lines = [
    { sku: service.code, description: service.description, quantity: 1, price: service.price },
    ...parts.map((p) => ({ sku: p.sku, description: p.description, quantity: rng.int(1, 2), price: p.price })),
  ];
  const totalCents = lines.reduce((sum, l) => sum + Math.round(Number(l.price) * 100) * l.quantity, 0);
  const technician = rng.pick(TECHNICIANS);
  const createdAt = before(rng, asOf, 2, 60);
  const item: AttributeMap = {
    ...itemKeys(shape, `ORDER#${orderId}`, "DETAILS"),
    entityType: S("service-order"),
    orderId: S(orderId),
    customerId: S(options.customerId ?? `CONTACT#c-${rng.int(2_000, 89_999)}`),
    unitId: S(options.unitId ?? `U-${rng.int(200_000, 799_999)}`),
    status: S(options.status ?? rng.pick(["SCHEDULED", "COMPLETED", "CANCELLED"])),
    serviceType: S(service.code),
    priority: N(rng.int(1, 4)),
    createdAt: S(iso(createdAt)),
    scheduledFor: S(iso(new Date(createdAt.getTime() + rng.int(1, 21) * DAY_MS + rng.int(8, 16) * 3_600_000))),
    lines: L(lines.map((l) => M({ sku: S(l.sku), description: S(l.description), quantity: N(l.quantity), unitPrice: N(l.price) }))),
    total: N((totalCents / 100).toFixed(2)),
    currency: S("EUR"),
    technician: M({ id: S(technician.id), name: S(technician.name) }),
  };
  if (rng.chance(0.5)) item.notes = S(rng.pick(ORDER_NOTES));
  if (rng.chance(0.3)) item.attachments = { SS: rng.sample(["photo-before.jpg", "photo-after.jpg", "gas-cert.pdf", "quote.pdf"], rng.int(1, 2)) };
  if (options.expiresAt) Object.assign(item, withTtl(shape, options.expiresAt));
  return item;
}

export function orderNote(rng: Random, shape: ItemShape, orderId: string, at: Date): AttributeMap {
  const technician = rng.pick(TECHNICIANS);
  return {
    ...itemKeys(shape, `ORDER#${orderId}`, `NOTE#${iso(before(rng, at, 1, 20))}`),
    entityType: S("order-note"),
    author: M({ id: S(technician.id), name: S(technician.name) }),
    text: S(rng.pick(ORDER_NOTES)),
    visibleToCustomer: BOOL(rng.chance(0.5)),
  };
}

// ---- units (unt-svc) -----------------------------------------------------------------------

export function unitItem(
  rng: Random,
  shape: ItemShape,
  unitId: string,
  asOf: Date,
  options: { status?: string; expiresAt?: Date; model?: (typeof UNIT_MODELS)[number] } = {},
): AttributeMap {
  const model = options.model ?? rng.pick(UNIT_MODELS);
  const place = rng.pick(CITIES);
  const installedAt = before(rng, asOf, 60, 2_500);
  const readings = Array.from({ length: rng.int(1, 4) }, (_, i) =>
    M({
      at: S(iso(new Date(asOf.getTime() - (i + 1) * rng.int(1, 9) * DAY_MS))),
      flowTempC: N(decimal(rng, 35, 72, 1)),
      pressureBar: N(decimal(rng, 0.9, 2.1, 2)),
    }),
  );
  const item: AttributeMap = {
    ...itemKeys(shape, unitId),
    entityType: S("unit"),
    unitType: S(model.type),
    manufacturer: S(model.manufacturer),
    model: S(model.model),
    serialNumber: S(`${model.manufacturer.slice(0, 3).toUpperCase()}-${rng.hex(10).toUpperCase()}`),
    status: S(options.status ?? "active"),
    installedAt: S(iso(installedAt)),
    ownerId: S(`CONTACT#c-${rng.int(2_000, 89_999)}`),
    site: M({
      name: S(rng.pick(SITE_NAMES)),
      floor: N(rng.int(-1, 4)),
      address: M({ line1: S(`${rng.int(1, 180)} ${rng.pick(place.streets)}`), city: S(place.city), country: S(place.country) }),
      geo: M({ lat: N(decimal(rng, Number(place.lat) - 0.05, Number(place.lat) + 0.05, 6)), lon: N(decimal(rng, Number(place.lon) - 0.05, Number(place.lon) + 0.05, 6)) }),
    }),
    firmware: S(rng.pick(FIRMWARE_VERSIONS)),
    readings: L(readings),
    features: { SS: rng.sample(["remote-monitoring", "weather-compensation", "legionella-cycle", "smart-grid-ready", "dual-zone"], rng.int(1, 3)) },
  };
  if (rng.chance(0.6)) item.warrantyUntil = S(iso(new Date(installedAt.getTime() + rng.pick([2, 5, 7]) * 365 * DAY_MS)));
  if (rng.chance(0.2)) item.calibrationBlob = B(rng.bytes(24));
  if (options.expiresAt) Object.assign(item, { loanerFor: S(`ORDER#o-${rng.int(10_000, 89_999)}`) }, withTtl(shape, options.expiresAt));
  return item;
}

// ---- re-created with changes ---------------------------------------------------------------

const clone = (item: AttributeMap): AttributeMap => JSON.parse(JSON.stringify(item)) as AttributeMap;

function textOf(value: AttributeValue | undefined): string | undefined {
  return value && "S" in value ? value.S : undefined;
}

function mapOf(value: AttributeValue | undefined): Record<string, AttributeValue> | undefined {
  return value && "M" in value ? value.M : undefined;
}

/**
 * The item as someone re-created it after the deletion: one attribute changed, one
 * added, one removed and one nested change, so the diff shows every kind.
 */
export function recreatedWithChanges(rng: Random, item: AttributeMap, recreatedAt: Date): AttributeMap {
  const live = clone(item);
  const entity = live.entityType && "S" in live.entityType ? live.entityType.S : "";
  if (entity === "contact") {
    live.email = S(`new.${rng.hex(4)}@${rng.pick(EMAIL_DOMAINS)}`);
    live.loyaltyTier = S(rng.pick(["silver", "gold", "platinum"]));
    if (live.nickname) delete live.nickname;
    else delete live.loyaltyPoints;
    const preferences = mapOf(live.preferences);
    if (preferences) preferences.locale = S(rng.pick(LOCALES.filter((l) => l !== textOf(preferences.locale))));
    const address = mapOf(live.address);
    if (address) address.line2 = S(`Flat ${rng.int(1, 40)}`);
    return live;
  }
  if (entity === "service-order") {
    live.status = S("SCHEDULED");
    live.rescheduledFrom = live.scheduledFor ?? S("unknown");
    live.scheduledFor = S(iso(new Date(recreatedAt.getTime() + rng.int(2, 20) * DAY_MS)));
    if (live.notes) delete live.notes;
    else delete live.priority;
    const technician = rng.pick(TECHNICIANS);
    live.technician = M({ id: S(technician.id), name: S(technician.name), vanRegistration: S(`VAN-${rng.int(100, 999)}`) });
    return live;
  }
  if (entity === "unit") {
    live.firmware = S(rng.pick(FIRMWARE_VERSIONS.filter((f) => f !== textOf(live.firmware))));
    live.registeredAgainAt = S(iso(recreatedAt));
    if (live.warrantyUntil) delete live.warrantyUntil;
    else delete live.features;
    const site = mapOf(live.site);
    if (site) site.floor = N(rng.int(5, 9));
    const latestReading = live.readings && "L" in live.readings ? mapOf(live.readings.L[0]) : undefined;
    if (latestReading) latestReading.pressureBar = N(decimal(rng, 0.9, 2.1, 2));
    return live;
  }
  if (entity === "address") {
    live.line1 = S(`${rng.int(181, 240)} ${textOf(live.line1)?.replace(/^\d+ /, "") ?? "Harbour Road"}`);
    live.verifiedAt = S(iso(recreatedAt));
    delete live.updatedAt;
    const geo = mapOf(live.geo);
    if (geo) geo.lat = N(decimal(rng, 35, 62, 6));
    return live;
  }
  if (entity === "consent") {
    live.granted = BOOL(!(live.granted && "BOOL" in live.granted && live.granted.BOOL));
    live.recordedAt = S(iso(recreatedAt));
    live.channel = S(rng.pick(CHANNELS));
    delete live.policyVersion;
    return live;
  }
  if (entity === "order-note") {
    live.text = S(`${textOf(live.text) ?? ""} (edited)`);
    live.editedAt = S(iso(recreatedAt));
    delete live.visibleToCustomer;
    const author = mapOf(live.author);
    if (author) author.name = S(rng.pick(TECHNICIANS).name);
    return live;
  }
  live.updatedBy = S("crm-sync");
  return live;
}
