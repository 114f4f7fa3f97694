import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { validateDay, type CalendarDay } from "./archive-input";
import { SealedFormatError } from "./sealed-format";
import { isSealableDay, mayBeSealed, readDayManifest, sealableFrom } from "./sealed-store";

/** Whether a day's records are in bundles (sealed) or still one object each (open), as the day page says. */
export type DaySealState =
  | { state: "sealed"; sealedAt: string; records: number }
  /** `sealableFrom`: the first moment the sealer takes the day; `isDue` once that has passed. */
  | { state: "open"; sealableFrom: string; isDue: boolean }
  | { state: "unreadable"; problem: string };

/** One GET of the day's manifest; none for today and yesterday, which are never sealed. */
export async function daySealState(s3: S3Client, config: LazarusConfig, service: ServiceConfig, dayValue: CalendarDay, now: Date = new Date()): Promise<DaySealState> {
  const day = validateDay(dayValue);
  const open = (): DaySealState => ({ state: "open", sealableFrom: sealableFrom(config, day).toISOString(), isDue: isSealableDay(config, day, now) });
  if (!mayBeSealed(day, now)) return open();
  try {
    const manifest = await readDayManifest(s3, config, service, day);
    return manifest ? { state: "sealed", sealedAt: manifest.sealedAt, records: manifest.records } : open();
  } catch (e) {
    if (e instanceof SealedFormatError) return { state: "unreadable", problem: e.message };
    throw e;
  }
}
