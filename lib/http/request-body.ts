import "server-only";
import { HttpError } from "./error-response";

/**
 * Reads a JSON request body without trusting the client with memory or time: it stops
 * reading at the size cap (before buffering more, whatever Content-Length claims) and
 * gives up on a body that has not arrived in full within the time limit, so a slow or
 * endless upload holds neither memory nor a handler.
 */

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

export const BODY_LIMITS: BodyLimits = { maxBytes: 64 * 1024, timeoutMs: 10_000 };

const tooLarge = (limits: BodyLimits) => new HttpError(413, "body-too-large", `The request body is larger than ${limits.maxBytes / 1024} KB.`);

/** The raw body as text, or "" when there is none. */
export async function readBodyText(request: Request, limits: BodyLimits = BODY_LIMITS): Promise<string> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limits.maxBytes) throw tooLarge(limits);
  if (!request.body) return "";

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HttpError(408, "body-timeout", `The request body did not arrive within ${limits.timeoutMs / 1000} seconds.`)),
      limits.timeoutMs,
    );
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      size += value.byteLength;
      if (size > limits.maxBytes) throw tooLarge(limits);
      chunks.push(value);
    }
  } catch (error) {
    // Stops the upload: nothing more is read or buffered.
    void reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return new TextDecoder("utf-8").decode(Buffer.concat(chunks));
}

/** The body parsed as JSON; `undefined` when there is none. */
export async function readJsonBody(request: Request, limits: BodyLimits = BODY_LIMITS): Promise<unknown> {
  const text = await readBodyText(request, limits);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid-input", "The request body is not valid JSON.");
  }
}
