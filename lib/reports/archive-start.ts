import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { listMonths, listYears } from "../archive/archive-reader";
import { monthPrefix } from "../archive/layout";
import { listFolders } from "../archive/object-listing";
import { SEALED_SEGMENT } from "../archive/sealed-format";
import { readMonthSummary } from "../archive/sealed-store";
import type { LazarusConfig, ServiceConfig } from "../config/schema";

/**
 * The first day (UTC, YYYY-MM-DD) a service's archive holds a deletion, or null when it
 * holds none: three delimited LISTs (years, the first year's months, the first month's
 * days), plus the month summary's GET when that month has sealed days, whatever the
 * archive's size. A report that starts earlier counts days the archive could not have seen.
 */
export async function firstArchivedDay(s3: S3Client, config: LazarusConfig, service: ServiceConfig): Promise<string | null> {
  const years = (await listYears(s3, config, service)).sort((a, b) => a - b);
  for (const year of years) {
    const months = (await listMonths(s3, config, service, year)).sort((a, b) => a.month - b.month);
    for (const month of months) {
      const base = monthPrefix(config.archive.prefix, service.name, month);
      const folders = (await listFolders(s3, { bucket: config.archive.bucket, prefix: base })).map((folder) => folder.slice(base.length));
      const days = folders.map((folder) => /^(\d{2})\/$/.exec(folder)?.[1]).filter((d): d is string => d !== undefined);
      // A sealed day's objects are gone from its folder: the month summary counts it.
      if (folders.includes(`${SEALED_SEGMENT}/`)) {
        const summary = await readMonthSummary(s3, config, service, month);
        for (const [day, counts] of Object.entries(summary?.summary.days ?? {})) if (counts.records > 0) days.push(day);
      }
      days.sort();
      if (days[0]) return `${String(month.year).padStart(4, "0")}-${String(month.month).padStart(2, "0")}-${days[0]}`;
    }
  }
  return null;
}
