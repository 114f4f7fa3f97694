import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/load";
import { actionsOf, logicalIdOf, onlyResource, renderArn, resourcesOf, resourcesOfType, statementsOf, synthStack, testConfig, type Statement } from "./fixtures";

const withAthena = testConfig((raw) => (raw.search = { engine: "athena", athena: { bytesScannedCutoff: 50_000_000_000, resultRetentionDays: 3 } }));

function tierStatements(template: ReturnType<typeof synthStack>["template"], tier: string): Statement[] {
  return resourcesOfType(template, "AWS::IAM::ManagedPolicy")
    .filter(([, p]) => String(p.Properties.ManagedPolicyName).startsWith(`lazarus-console-${tier}-`))
    .flatMap(([, p]) => statementsOf(p));
}

describe("content search on Athena, in the foundation stack", () => {
  const { template } = synthStack(withAthena);
  const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive");
  const resultsId = logicalIdOf(template, "AWS::S3::Bucket", (r) => JSON.stringify(r.Properties.LifecycleConfiguration ?? {}).includes("expire-query-results"));

  it("creates a Glue table over the sealed bundles, partitioned by projection on service, month and day, with no crawler", () => {
    const [, table] = onlyResource(template, "AWS::Glue::Table");
    const input = table.Properties.TableInput as { Name: string; Parameters: Record<string, string>; PartitionKeys: Array<{ Name: string }>; StorageDescriptor: { Location: string; Columns: Array<{ Name: string }>; SerdeInfo: { SerializationLibrary: string } } };
    expect(table.Properties.DatabaseName).toBe("lazarus");
    expect(input.Name).toBe("sealed_deletions");
    expect(input.PartitionKeys.map((k) => k.Name)).toEqual(["service", "month", "dd"]);
    expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(["line"]);
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
    expect(input.StorageDescriptor.Location).toBe("s3://test-archive/deleted/");
    expect(input.Parameters).toMatchObject({
      "projection.enabled": "true",
      "projection.service.type": "enum",
      "projection.service.values": withAthena.services.map((s) => s.name).join(","),
      "projection.month.type": "date",
      "projection.month.format": "yyyy/MM",
      "projection.month.interval.unit": "MONTHS",
      "projection.dd.type": "enum",
      // The bundles' folder: the day sits below `_sealed`, so the per-record objects of open days are never read.
      "storage.location.template": "s3://test-archive/deleted/${service}/${month}/_sealed/${dd}/",
    });
    expect(input.Parameters["projection.dd.values"]!.split(",")).toHaveLength(31);
    expect(resourcesOfType(template, "AWS::Glue::Crawler")).toHaveLength(0);
    template.hasResourceProperties("AWS::Glue::Database", { DatabaseInput: { Name: "lazarus" } });
  });

  it("gives the workgroup the configured bytes-scanned cutoff, and enforces encrypted results in a bucket that expires them", () => {
    const [, workgroup] = onlyResource(template, "AWS::Athena::WorkGroup");
    const configuration = workgroup.Properties.WorkGroupConfiguration as Record<string, unknown> & { ResultConfiguration: { OutputLocation: unknown; EncryptionConfiguration: { EncryptionOption: string; KmsKey: unknown } } };
    expect(workgroup.Properties.Name).toBe("lazarus-search");
    expect(configuration.BytesScannedCutoffPerQuery).toBe(50_000_000_000);
    expect(configuration.EnforceWorkGroupConfiguration).toBe(true);
    expect(configuration.ResultConfiguration.EncryptionConfiguration.EncryptionOption).toBe("SSE_KMS");
    expect(renderArn(configuration.ResultConfiguration.OutputLocation)).toBe(`s3://\${${resultsId}}/`);
    const [, results] = onlyResource(template, "AWS::S3::Bucket", (r) => JSON.stringify(r.Properties.LifecycleConfiguration ?? {}).includes("expire-query-results"));
    expect(JSON.stringify(results.Properties.LifecycleConfiguration)).toContain('"ExpirationInDays":3');
    expect(JSON.stringify(results.Properties.BucketEncryption)).toContain("aws:kms");
    expect(results.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
  });

  it("lets every console tier run queries in that workgroup only, read that table only, and write results only to their bucket", () => {
    for (const tier of ["read-only", "restore", "compliance", "admin"]) {
      const allowed = tierStatements(template, tier).filter((s) => s.Effect === "Allow");
      const on = (action: string) => [...new Set(allowed.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf).map(renderArn))].sort();
      for (const action of ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution"]) {
        expect(on(action), `${tier} ${action}`).toEqual(["arn:aws:athena:eu-west-1:${AWS::AccountId}:workgroup/lazarus-search"]);
      }
      for (const action of ["glue:GetTable", "glue:GetDatabase", "glue:GetPartitions"]) {
        expect(on(action), `${tier} ${action}`).toEqual([
          "arn:aws:glue:eu-west-1:${AWS::AccountId}:catalog",
          "arn:aws:glue:eu-west-1:${AWS::AccountId}:database/lazarus",
          "arn:aws:glue:eu-west-1:${AWS::AccountId}:table/lazarus/sealed_deletions",
        ]);
      }
      expect(on("s3:PutObject")).toContain(`\${${resultsId}.Arn}/*`);
      expect(on("s3:GetObject")).toEqual(expect.arrayContaining([`\${${resultsId}.Arn}/*`, `\${${bucketId}.Arn}/deleted/*`]));
      // The key's data keys for the results bucket only, through S3 only.
      const key = allowed.find((s) => s.Sid?.startsWith("AthenaResultsKey"));
      expect(key?.Condition).toMatchObject({ StringEquals: { "kms:ViaService": expect.anything() }, StringLike: { "kms:EncryptionContext:aws:s3:arn": expect.anything() } });
      expect(JSON.stringify(key?.Condition)).toContain(resultsId);
      expect(allowed.flatMap(actionsOf).filter((a) => a.startsWith("athena:") || a.startsWith("glue:")).sort()).toEqual(
        ["athena:GetQueryExecution", "athena:GetQueryResults", "athena:StartQueryExecution", "athena:StopQueryExecution", "glue:GetDatabase", "glue:GetPartitions", "glue:GetTable"],
      );
    }
  });

  it("creates nothing for Athena and grants nothing of it with the local engine, the default", () => {
    const local = synthStack(testConfig()).template;
    for (const type of ["AWS::Glue::Database", "AWS::Glue::Table", "AWS::Athena::WorkGroup"]) expect(resourcesOfType(local, type), type).toHaveLength(0);
    const actions = resourcesOfType(local, "AWS::IAM::ManagedPolicy").flatMap(([, p]) => statementsOf(p)).flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith("athena:") || a.startsWith("glue:"))).toEqual([]);
    expect(resourcesOfType(local, "AWS::S3::Bucket").filter(([, r]) => JSON.stringify(r.Properties).includes("expire-query-results"))).toHaveLength(0);
  });

  it("refuses a cutoff below Athena's 10 MB minimum and names that are not identifiers", () => {
    expect(() => testConfig((raw) => (raw.search = { engine: "athena", athena: { bytesScannedCutoff: 1_000 } }))).toThrow(ConfigError);
    expect(() => testConfig((raw) => (raw.search = { engine: "athena", athena: { table: "Sealed-Deletions" } }))).toThrow(/identifier/);
    expect(() => testConfig((raw) => (raw.search = { engine: "bigquery" }))).toThrow(ConfigError);
  });
});
