import { randomBytes } from "node:crypto";
import { inject } from "vitest";

/** Environment for talking to the run's moto_server through the real SDK. */
export function useMoto(): { endpoint: string; region: string } {
  const endpoint = inject("motoEndpoint");
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  return { endpoint, region: "us-east-1" };
}

/** A name no other test file uses, valid for buckets, tables and queues. */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(4).toString("hex")}`;
}
