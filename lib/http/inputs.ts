import "server-only";
import { z } from "zod";
import { ArchiveInputError, parseDay, type CalendarDay } from "../archive/archive-reader";
import { findService } from "../config/load";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { HttpError } from "./error-response";

/** Route segments shared by the API routes. Service names are resolved against the config, never used raw. */

export const serviceSegment = z.string().min(1).max(63);

export const daySegment = z.string().transform((text, ctx): CalendarDay => {
  try {
    return parseDay(text);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: error instanceof ArchiveInputError ? error.message : "is not a date" });
    return z.NEVER;
  }
});

export const serviceParams = z.object({ service: serviceSegment });
export const serviceDayParams = z.object({ service: serviceSegment, date: daySegment });

export function requireService(config: LazarusConfig, name: string): ServiceConfig {
  const service = findService(config, name);
  if (!service) throw new HttpError(404, "unknown-service", `There is no service named "${name}" in Lazarus's configuration.`);
  return service;
}
