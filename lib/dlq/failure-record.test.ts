import { describe, expect, it } from "vitest";
import { failureReason, type InvocationRecord, parseFailureBody, payloadRecords, retentionOf, tableOfStreamArn, toFailure } from "./failure-record";

/**
 * The example invocation record from the Lambda Developer Guide ("Retain discarded
 * records for a DynamoDB event source in Lambda", Amazon SQS and SNS example).
 */
const AWS_EXAMPLE = {
  requestContext: {
    requestId: "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
    functionArn: "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
    condition: "RetryAttemptsExhausted",
    approximateInvokeCount: 1,
  },
  responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
  version: "1.0",
  timestamp: "2019-11-14T00:38:06.021Z",
  DDBStreamBatchInfo: {
    shardId: "shardId-00000001573689847184-864758bb",
    startSequenceNumber: "800000000003126276362",
    endSequenceNumber: "800000000003126276362",
    approximateArrivalOfFirstRecord: "2019-11-14T00:38:04Z",
    approximateArrivalOfLastRecord: "2019-11-14T00:38:04Z",
    batchSize: 1,
    streamArn: "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388",
  },
};

describe("on-failure invocation records", () => {
  it("parses AWS's documented SQS example into a failure", () => {
    const parsed = parseFailureBody(JSON.stringify(AWS_EXAMPLE));
    if (!parsed.ok) throw new Error(parsed.reason);
    const failure = toFailure("msg-1", "sqs", parsed.record, new Date("2019-11-14T01:00:00Z"));
    expect(failure).toEqual({
      kind: "batch",
      id: "msg-1",
      source: "sqs",
      shardId: "shardId-00000001573689847184-864758bb",
      startSequenceNumber: "800000000003126276362",
      endSequenceNumber: "800000000003126276362",
      batchSize: 1,
      streamArn: AWS_EXAMPLE.DDBStreamBatchInfo.streamArn,
      firstArrival: "2019-11-14T00:38:04.000Z",
      lastArrival: "2019-11-14T00:38:04.000Z",
      failedAt: "2019-11-14T00:38:06.021Z",
      condition: "RetryAttemptsExhausted",
      invokeCount: 1,
      reason: "retries exhausted after 1 invocation; function error: Unhandled",
      retention: { state: "in-stream", readableUntil: "2019-11-15T00:38:04.000Z" },
    });
    expect(tableOfStreamArn(failure.streamArn)).toBe("mytable");
  });

  it("says exactly what is lost once the range is older than the stream's 24 hours", () => {
    const parsed = parseFailureBody(JSON.stringify({ ...AWS_EXAMPLE, DDBStreamBatchInfo: { ...AWS_EXAMPLE.DDBStreamBatchInfo, endSequenceNumber: "800000000003126276370", batchSize: 9 } }));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(retentionOf("sqs", parsed.record.DDBStreamBatchInfo, new Date("2019-11-15T00:38:04Z"))).toEqual({
      state: "past-retention",
      since: "2019-11-15T00:38:04.000Z",
      message:
        "past the stream's 24-hour retention: 9 records of shard shardId-00000001573689847184-864758bb, sequence numbers 800000000003126276362 to 800000000003126276370 are lost unless found in the stream",
    });
    // An S3 failure keeps its records: its age does not matter.
    expect(retentionOf("s3", parsed.record.DDBStreamBatchInfo, new Date("2030-01-01T00:00:00Z"))).toEqual({ state: "records-kept" });
  });

  it("explains each condition and response", () => {
    const parsed = parseFailureBody(JSON.stringify(AWS_EXAMPLE));
    if (!parsed.ok) throw new Error(parsed.reason);
    const record = (patch: Partial<InvocationRecord>): InvocationRecord => ({ ...parsed.record, ...patch });
    expect(failureReason(record({ responseContext: { statusCode: 200, executedVersion: "$LATEST" } }))).toBe(
      "retries exhausted after 1 invocation; the function reported failed records (batchItemFailures)",
    );
    const { responseContext: _none, ...neverInvoked } = record({ requestContext: { condition: "RecordAgeExceeded", approximateInvokeCount: 0 } });
    expect(failureReason(neverInvoked)).toBe(
      "records older than the mapping's maximum record age (0 invocations); the function was never invoked",
    );
  });

  it("lists malformed bodies as such, never quoting them", () => {
    const notJson = parseFailureBody("customer alice@example.com");
    expect(notJson).toEqual({ ok: false, reason: expect.stringContaining("not JSON") });
    expect(JSON.stringify(notJson)).not.toContain("alice");
    const wrongShape = parseFailureBody(JSON.stringify({ hello: "alice@example.com" }));
    expect(wrongShape.ok).toBe(false);
    expect(JSON.stringify(wrongShape)).not.toContain("alice");
    const backwards = parseFailureBody(JSON.stringify({ ...AWS_EXAMPLE, DDBStreamBatchInfo: { ...AWS_EXAMPLE.DDBStreamBatchInfo, endSequenceNumber: "1" } }));
    expect(backwards).toEqual({ ok: false, reason: "its sequence range ends before it starts" });
  });

  it("reads an S3 failure object's payload (the batch as an escaped JSON string)", () => {
    const parsed = parseFailureBody(JSON.stringify({ ...AWS_EXAMPLE, payload: JSON.stringify({ Records: [{ eventName: "REMOVE" }] }) }));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(payloadRecords(parsed.record)).toEqual({ ok: true, records: [{ eventName: "REMOVE" }] });
    expect(payloadRecords({ ...parsed.record, payload: "{" })).toEqual({ ok: false, reason: "the failure object's payload is not JSON" });
    const { payload: _, ...withoutPayload } = parsed.record;
    expect(payloadRecords(withoutPayload).ok).toBe(false);
  });
});
