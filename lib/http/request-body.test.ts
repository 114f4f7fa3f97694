import { describe, expect, it } from "vitest";
import { HttpError } from "./error-response";
import { readJsonBody } from "./request-body";

const LIMITS = { maxBytes: 64 * 1024, timeoutMs: 300 };

/** A POST whose body the test feeds chunk by chunk, counting what the server pulled. */
function streamingRequest(next: (pull: number) => Promise<Uint8Array | null>) {
  const seen = { bytes: 0, cancelled: false };
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await next(pulls++);
      if (chunk === null) return controller.close();
      seen.bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      seen.cancelled = true;
    },
  }, { highWaterMark: 0 });
  const request = new Request("http://localhost:3000/api/x", { method: "POST", body, duplex: "half" } as RequestInit);
  return { request, seen };
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe("readJsonBody", () => {
  it("stops reading an endless body at the cap instead of buffering all of it", async () => {
    const { request, seen } = streamingRequest(async () => new Uint8Array(8 * 1024).fill(32));
    const error = await failure(readJsonBody(request, LIMITS));
    expect(error).toMatchObject({ status: 413, code: "body-too-large" });
    expect(seen.bytes).toBeLessThanOrEqual(LIMITS.maxBytes + 8 * 1024);
    expect(seen.cancelled).toBe(true);
  });

  it("refuses a declared Content-Length over the cap without reading", async () => {
    const request = new Request("http://localhost:3000/api/x", { method: "POST", body: "{}", headers: { "content-length": String(LIMITS.maxBytes + 1) } });
    expect(await failure(readJsonBody(request, LIMITS))).toMatchObject({ status: 413 });
  });

  it("gives up on a body that trickles in slower than the time limit", async () => {
    const { request, seen } = streamingRequest(async (pull) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return pull < 1000 ? new TextEncoder().encode(" ") : null;
    });
    const started = Date.now();
    const error = await failure(readJsonBody(request, LIMITS));
    expect(error).toMatchObject({ status: 408, code: "body-timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen.cancelled).toBe(true);
  });

  it("reads a body that arrives in pieces within the limits", async () => {
    const parts = ['{"mode":', '"no-clobber",', '"name":"Zoë"}'];
    const { request } = streamingRequest(async (pull) => (pull < parts.length ? new TextEncoder().encode(parts[pull]) : null));
    expect(await readJsonBody(request, LIMITS)).toEqual({ mode: "no-clobber", name: "Zoë" });
  });

  it("splits no character across chunks", async () => {
    const bytes = new TextEncoder().encode('"Zoë"');
    const { request } = streamingRequest(async (pull) => (pull === 0 ? bytes.slice(0, 3) : pull === 1 ? bytes.slice(3) : null));
    expect(await readJsonBody(request, LIMITS)).toBe("Zoë");
  });
});
