import "server-only";
import { z } from "zod";
import type { LazarusConfig } from "../config/schema";
import { HttpError } from "../http/error-response";
import { requireService } from "../http/inputs";
import type { ConsoleClients } from "../http/clients";
import { CopyBackInputError } from "./pitr-copy-back";
import { PitrRequestError } from "./pitr-restore";
import { loadJob } from "./pitr-store";
import { pitrJobIdSchema } from "./pitr-types";

/** Route plumbing shared by app/api/pitr/**: the job from the URL, and the PITR refusals as 400s. */

export const pitrJobParams = z.object({ id: pitrJobIdSchema });

export async function requireJob(clients: ConsoleClients, config: LazarusConfig, id: string) {
  const job = await loadJob(clients.s3, config, id);
  if (!job) throw new HttpError(404, "pitr-job-not-found", `There is no point-in-time restore with id ${id}.`);
  const service = requireService(config, job.service);
  return { job, service };
}

export async function asPitrHttpErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PitrRequestError) throw new HttpError(400, error.code, error.message);
    if (error instanceof CopyBackInputError) throw new HttpError(400, "copy-back-invalid", `The copy-back cannot run: ${error.message}.`);
    throw error;
  }
}
