import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DrillServiceConfig, LazarusConfig } from "../config/schema";
import type { DrillReport } from "./drill-report";
import { listDrillReports } from "./drill-store";

export interface DrillServiceHistory {
  service: string;
  table: string;
  settings: DrillServiceConfig;
  /** Oldest first, the newest HISTORY_LIMIT. */
  reports: DrillReport[];
}

export const HISTORY_LIMIT = 50;

export async function listDrillHistory(s3: S3Client, config: LazarusConfig): Promise<DrillServiceHistory[]> {
  const drilled = config.drills?.services ?? [];
  return Promise.all(
    drilled.map(async (settings) => ({
      service: settings.service,
      table: config.services.find((s) => s.name === settings.service)?.table.name ?? "",
      settings,
      reports: await listDrillReports(s3, config, settings.service, { limit: HISTORY_LIMIT }),
    })),
  );
}
