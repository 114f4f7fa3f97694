import { z } from "zod";
import { tableName } from "../config/schema";
import { ttlChoiceSchema } from "./ttl-choice";

/**
 * The body of a restore request, shared by the form and the route. Isomorphic.
 * An overwrite must say which live item the user saw (the plan's liveFingerprint).
 */
export const RESTORE_MODES = ["no-clobber", "overwrite"] as const;
export type RestoreMode = (typeof RESTORE_MODES)[number];

export const liveFingerprintSchema = z.string().regex(/^(?:[0-9a-f]{64}|absent)$/, "must be a fingerprint from the restore plan");

export const restoreRequestBodySchema = z
  .object({
    archiveKey: z.string().min(1).max(1024),
    mode: z.enum(RESTORE_MODES).default("no-clobber"),
    expectedLiveFingerprint: liveFingerprintSchema.optional(),
    ttl: ttlChoiceSchema.default({ action: "keep" }),
    targetTable: tableName.optional(),
  })
  .strict()
  .refine((body) => body.mode !== "overwrite" || body.expectedLiveFingerprint !== undefined, {
    path: ["expectedLiveFingerprint"],
    message: "is required to overwrite: it names the live item you compared with",
  });

export type RestoreRequestBody = z.infer<typeof restoreRequestBodySchema>;
