import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { parseCsv } from "./csv-read";
import { createExportStream, csvLines, jsonLines } from "./export-stream";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function* batches<T>(...items: T[]) {
  for (const item of items) yield item;
}

describe("CSV", () => {
  it("quotes keys with commas, quotes, CR and LF and doubles quotes", () => {
    const keys = ['CUST#1,2', 'say "hi"', "line\nbreak", "cr\rhere", "plain", " lead", "=SUM(A1)", "ünï ✓"];
    const text = csvLines(keys.map((k) => [k, "x"]));
    expect(text.split("\r\n").slice(0, 2)).toEqual(['"CUST#1,2",x', '"say ""hi""",x']);
    expect(text).toContain('"line\nbreak",x\r\n');
    expect(text).toContain('"cr\rhere",x\r\n');
    expect(text).toContain("plain,x\r\n");
    // Read back by an independent parser: every key survives byte for byte.
    const rows = parseCsv(text);
    expect(rows.map((r) => r[0])).toEqual(keys);
  });

  it("JSON Lines writes an item cell as JSON, its numbers digit for digit, and null when there is none", () => {
    const big = "12345678901234567890123456789012345678";
    const text = jsonLines(["key", "item"], [["a\"b", `{"n":${big}}`], ["c", ""]], ["item"]);
    const [first, second] = text.trimEnd().split("\n");
    expect(first).toBe(`{"key":"a\\"b","item":{"n":${big}}}`);
    expect(JSON.parse(second!)).toEqual({ key: "c", item: null });
  });

  it("JSON Lines keeps every character and one object per line", () => {
    const text = jsonLines(["key", "n"], [["a\nb", "1"], ['"q"', "2"]]);
    expect(text.split("\n").filter(Boolean).map((l) => JSON.parse(l))).toEqual([
      { key: "a\nb", n: "1" },
      { key: '"q"', n: "2" },
    ]);
  });
});

describe("export stream", () => {
  it("hashes exactly the bytes it hands out and reports rows before closing", async () => {
    const onComplete = vi.fn(async () => {});
    const onAbort = vi.fn(async () => {});
    const stream = createExportStream({ format: "csv", headers: ["key", "type"], batches: batches([["a,1", "ttl"]], [], [["b", "manual"], ["c", "ttl"]]), onComplete, onAbort });
    const bytes = await readAll(stream);
    expect(bytes.toString("utf8")).toBe('key,type\r\n"a,1",ttl\r\nb,manual\r\nc,ttl\r\n');
    expect(onComplete).toHaveBeenCalledWith({ rowCount: 3, byteCount: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") });
    expect(onAbort).not.toHaveBeenCalled();
  });

  it("reports a failure with the rows handed out so far", async () => {
    async function* failing() {
      yield [["a"]];
      throw new Error("S3 went away");
    }
    const onAbort = vi.fn(async () => {});
    const stream = createExportStream({ format: "jsonl", headers: ["key"], batches: failing(), onComplete: async () => {}, onAbort });
    await expect(readAll(stream)).rejects.toThrow("S3 went away");
    expect(onAbort).toHaveBeenCalledWith({ kind: "failed", message: "S3 went away", rowsSoFar: 1 });
  });

  it("reports a cancelled download and stops reading", async () => {
    let produced = 0;
    async function* endless() {
      for (;;) {
        produced += 1;
        yield [[String(produced)]];
      }
    }
    const onAbort = vi.fn(async () => {});
    const stream = createExportStream({ format: "csv", headers: ["n"], batches: endless(), onComplete: async () => {}, onAbort });
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    expect(onAbort).toHaveBeenCalledWith(expect.objectContaining({ kind: "cancelled" }));
    expect(produced).toBeLessThan(5);
  });

  it("a download cancelled while a batch is being read is reported once, as cancelled", async () => {
    let release: () => void = () => {};
    async function* slow() {
      yield [["1"]];
      await new Promise<void>((resolve) => (release = resolve));
      yield [["2"]];
    }
    const onAbort = vi.fn(async () => {});
    const stream = createExportStream({ format: "csv", headers: ["n"], batches: slow(), onComplete: async () => {}, onAbort });
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    // The next pull now waits on the second batch; the reader leaves, then the batch arrives.
    await new Promise((resolve) => setImmediate(resolve));
    const cancelled = reader.cancel();
    release();
    await cancelled;
    await new Promise((resolve) => setImmediate(resolve));
    expect(onAbort.mock.calls).toEqual([[expect.objectContaining({ kind: "cancelled" })]]);
  });
});
