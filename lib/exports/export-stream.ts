import "server-only";
import { createHash } from "node:crypto";
import { stringify } from "csv-stringify/sync";
import type { ExportFormat } from "./export-format";

/**
 * Turns batches of rows into the bytes of a CSV or JSON Lines file, pulled by the
 * reader: a batch is produced only when the previous one has been taken, so an
 * export holds one batch (≤ 1,000 rows) in memory however long it is. The SHA-256
 * is computed over exactly the bytes handed out.
 */

export interface ExportResult {
  rowCount: number;
  byteCount: number;
  sha256: string;
}

export interface ExportStreamOptions {
  format: ExportFormat;
  /** Header names, in column order (CSV header line; JSON Lines keys). */
  headers: readonly string[];
  batches: AsyncIterable<readonly (readonly string[])[]>;
  /** JSON Lines: headers whose cells already hold JSON text (an item), written as it is. */
  jsonHeaders?: readonly string[];
  /** Runs after the last byte is produced and before the stream closes (write the manifest here). */
  onComplete: (result: ExportResult) => Promise<void>;
  /** The stream failed or the reader went away; `rowsSoFar` rows were handed out. */
  onAbort: (reason: { kind: "failed" | "cancelled"; message: string; rowsSoFar: number }) => Promise<void>;
}

/** CSV as RFC 4180: fields with a comma, quote, CR or LF are quoted, quotes doubled; CRLF line ends. */
export function csvLines(rows: readonly (readonly string[])[]): string {
  return stringify(rows as string[][], { record_delimiter: "\r\n", quoted_match: /[\r\n]/ });
}

export function jsonLines(headers: readonly string[], rows: readonly (readonly string[])[], jsonHeaders: readonly string[] = []): string {
  let text = "";
  for (const row of rows) {
    if (jsonHeaders.length === 0) {
      const object: Record<string, string> = {};
      headers.forEach((h, i) => {
        object[h] = row[i] ?? "";
      });
      text += `${JSON.stringify(object)}\n`;
      continue;
    }
    // Written by hand so a JSON cell's numbers keep every digit (JSON.parse would round them).
    const fields = headers.map((h, i) => `${JSON.stringify(h)}:${jsonHeaders.includes(h) ? row[i] || "null" : JSON.stringify(row[i] ?? "")}`);
    text += `{${fields.join(",")}}\n`;
  }
  return text;
}

export function createExportStream(options: ExportStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const hash = createHash("sha256");
  const iterator = options.batches[Symbol.asyncIterator]();
  let rowCount = 0;
  let byteCount = 0;
  let headerSent = false;
  let finished = false;
  let cancelled = false;

  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    if (text.length === 0) return;
    const bytes = encoder.encode(text);
    hash.update(bytes);
    byteCount += bytes.byteLength;
    controller.enqueue(bytes);
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (!headerSent) {
            headerSent = true;
            if (options.format === "csv") emit(controller, csvLines([options.headers]));
          }
          // Skip empty batches so each pull hands out bytes (or ends the stream).
          for (;;) {
            const next = await iterator.next();
            // Cancelled while this batch was read: the batch has nowhere to go, and the abort is reported.
            if (cancelled) return;
            if (next.done) {
              finished = true;
              await options.onComplete({ rowCount, byteCount, sha256: hash.digest("hex") });
              controller.close();
              return;
            }
            if (next.value.length === 0) continue;
            rowCount += next.value.length;
            emit(controller, options.format === "csv" ? csvLines(next.value) : jsonLines(options.headers, next.value, options.jsonHeaders));
            return;
          }
        } catch (error) {
          if (cancelled) return;
          finished = true;
          await options.onAbort({ kind: "failed", message: error instanceof Error ? error.message : String(error), rowsSoFar: rowCount }).catch(() => {});
          controller.error(error);
        }
      },
      async cancel() {
        if (finished) return;
        finished = true;
        cancelled = true;
        await iterator.return?.();
        await options.onAbort({ kind: "cancelled", message: "the download was cancelled", rowsSoFar: rowCount }).catch(() => {});
      },
    },
    // One batch in the queue at most: the reader's pace drives the listing.
    { highWaterMark: 1 },
  );
}
