import type { ExportFormat, ExportManifest } from "@/lib/exports/export-format";
import { ApiError, fetchJson } from "../query/api-client";

/**
 * A streamed export downloaded in the browser: bytes and lines counted as they arrive,
 * the file saved, then the manifest the server stored fetched and the file's SHA-256
 * checked against it. Shared by the report's export panel and content search.
 */

export interface DownloadProgress {
  bytes: number;
  rows: number;
  /** The server's expected row count, when it knows it before the first row. */
  expected: number | null;
}

export interface DownloadedExport {
  fileName: string;
  rows: number;
  bytes: number;
  exportId: string;
  manifest: ExportManifest | null;
  verified: boolean | null;
}

function fileNameFrom(header: string | null, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(header ?? "");
  return m?.[1] ?? fallback;
}

function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function downloadExport(url: string, body: unknown, format: ExportFormat, onProgress: (progress: DownloadProgress) => void, signal: AbortSignal): Promise<DownloadedExport> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin", signal });
  if (!response.ok || !response.body) {
    let message = `The server answered ${response.status}.`;
    try {
      const error = (await response.json()) as { error?: { message?: string } };
      if (error.error?.message) message = error.error.message;
    } catch {}
    throw new ApiError(response.status, "export-failed", message);
  }
  const expectedHeader = response.headers.get("X-Lazarus-Expected-Rows");
  const expected = expectedHeader === null ? null : Number(expectedHeader);
  const exportId = response.headers.get("X-Lazarus-Export-Id") ?? "";
  const fileName = fileNameFrom(response.headers.get("Content-Disposition"), `lazarus-export.${format}`);
  const reader = response.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
    for (const b of value) if (b === 10) lines += 1;
    onProgress({ bytes, rows: format === "csv" ? Math.max(0, lines - 1) : lines, expected });
  }
  const blob = new Blob(chunks, { type: format === "csv" ? "text/csv" : "application/x-ndjson" });
  saveBlob(blob, fileName);
  let manifest: ExportManifest | null = null;
  let verified: boolean | null = null;
  try {
    manifest = await fetchJson<ExportManifest>(`/api/exports/${exportId}/manifest`);
    verified = (await sha256Hex(blob)) === manifest.sha256;
  } catch {
    manifest = null;
  }
  return { fileName, rows: manifest?.rowCount ?? (format === "csv" ? lines - 1 : lines), bytes, exportId, manifest, verified };
}
