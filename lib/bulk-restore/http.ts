import "server-only";
import { z } from "zod";
import { HttpError } from "../http/error-response";
import { JobNotFoundError, jobIdSchema } from "./job-store";
import { JobStateError } from "./jobs";

export const jobParams = z.object({ jobId: jobIdSchema });

/** The job layer's own refusals as HTTP answers; everything else goes to the shared error mapping. */
export async function withJobErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof JobNotFoundError) throw new HttpError(404, "job-not-found", "There is no bulk-restore job with this id.");
    if (error instanceof JobStateError) throw new HttpError(409, "job-state", `The job cannot do that now: ${error.message}.`);
    throw error;
  }
}
