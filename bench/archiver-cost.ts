import { S3Client } from "@aws-sdk/client-s3";
import { createArchiverHandler } from "../lib/archive/archiver";
import { archiverSize, CPU_MS_PER_RECORD } from "../infra/lib/archiver-sizing";
import { table } from "./harness";
import { removeEvent } from "./stream-fixtures";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 5_000);
const ROUNDS = 3;

/**
 * An S3 client whose every request is answered 200 at once, after the SDK has built,
 * serialized and signed it: what is left to measure is the handler's own CPU time
 * per record (parse, archive object, index entry, two PutObjects through the SDK).
 */
function answeringS3(): S3Client {
  return new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench" },
    requestHandler: { handle: async () => ({ response: { statusCode: 200, headers: {}, body: undefined } }) },
  });
}

export async function benchArchiverCost(): Promise<string> {
  const handler = createArchiverHandler({
    s3: answeringS3(),
    target: { bucket: "bench-archive", prefix: "", service: "bench-svc", table: "bench", partitionKey: "PK", sortKey: "SK" },
  });
  const measure = async (seed: number) => {
    const event = removeEvent(RECORDS, { days: 1, seed });
    const start = process.cpuUsage();
    const result = await handler(event);
    const used = process.cpuUsage(start);
    if (result.batchItemFailures.length) throw new Error(`${result.batchItemFailures.length} records failed`);
    return (used.user + used.system) / 1_000 / RECORDS;
  };
  await measure(1_000_000); // warm-up: JIT and the SDK's lazy loading
  const perRecord: number[] = [];
  for (let round = 0; round < ROUNDS; round++) perRecord.push(await measure(round * RECORDS));
  const median = [...perRecord].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
  return [
    `### Archiver CPU per record (${RECORDS} REMOVE records per batch, S3 answered in-process)`,
    "",
    table(perRecord.map((ms, i) => ({ round: i + 1, "CPU ms/record": ms.toFixed(3) }))),
    "",
    `Median ${median.toFixed(3)} ms of CPU per record on this machine; infra sizes archivers with ${CPU_MS_PER_RECORD} ms ` +
      `(infra/lib/archiver-sizing.ts). A 10,000-record batch: ${archiverSize(10_000).memoryMb} MB, ${archiverSize(10_000).timeoutSeconds} s.`,
  ].join("\n");
}
