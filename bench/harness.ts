import { performance } from "node:perf_hooks";
import { cpus, totalmem } from "node:os";
import type { S3Client } from "@aws-sdk/client-s3";
import { startMotoServer, type MotoServer } from "../scripts/local-stack/moto-server";

/** Counts S3 requests by command name, for "requests per operation" figures. */
export function countRequests(s3: S3Client): { counts: Map<string, number>; reset(): void; total(name?: string): number } {
  const counts = new Map<string, number>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "unknown";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "finalizeRequest", name: "benchRequestCounter" },
  );
  return {
    counts,
    reset: () => counts.clear(),
    total: (name?: string) => (name ? (counts.get(name) ?? 0) : [...counts.values()].reduce((a, b) => a + b, 0)),
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - start };
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export async function withMoto<T>(fn: (moto: MotoServer) => Promise<T>): Promise<T> {
  const moto = await startMotoServer();
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  try {
    return await fn(moto);
  } finally {
    await moto.stop();
  }
}

export function table(rows: Array<Record<string, string | number>>): string {
  const headers = Object.keys(rows[0] ?? {});
  const line = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map((r) => line(headers.map((h) => r[h] ?? "")))].join("\n");
}
