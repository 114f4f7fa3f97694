import { describe, expect, it } from "vitest";
import {
  actionsOf,
  logicalIdOf,
  onlyResource,
  renderArn,
  resourcesOf,
  statementsOf,
  synthStack,
  testConfig,
  type Resource,
  type Statement,
} from "./fixtures";

const READ_ONLY_ACTION = /^[a-z0-9]+:(Get|List|Describe|BatchGet)[A-Za-z]*$/;
const WRITE_VERB = /:(Put|Delete|Update|Create|Restore|Write|Batch(Write)|Send|Purge|Tag|Untag|Invoke|Encrypt|GenerateDataKey|ReEncrypt)/;

function consolePolicy(description: RegExp) {
  const { template } = synthStack(testConfig());
  const [, policy] = onlyResource(template, "AWS::IAM::ManagedPolicy", (r: Resource) => description.test(String(r.Properties.Description)));
  const id = (name: string, type: string) => logicalIdOf(template, type, (r) => r.Properties.BucketName === name || r.Properties.TableName === name);
  return { template, statements: statementsOf(policy), bucketId: id("test-archive", "AWS::S3::Bucket"), id };
}

const withAction = (statements: Statement[], action: string) => statements.filter((s) => actionsOf(s).includes(action));

describe("console read-only policy", () => {
  const { statements, bucketId, id } = consolePolicy(/read-only:/);

  it("has a stable name per region, to attach by", () => {
    const { template } = synthStack(testConfig());
    template.hasResourceProperties("AWS::IAM::ManagedPolicy", { ManagedPolicyName: "lazarus-console-read-only-eu-west-1" });
    template.hasResourceProperties("AWS::IAM::ManagedPolicy", { ManagedPolicyName: "lazarus-console-restore-eu-west-1" });
  });

  it("grants reads only, by name, never an action wildcard", () => {
    const actions = statements.flatMap(actionsOf);
    for (const action of actions) {
      expect(action).not.toContain("*");
      // kms:Decrypt is how S3 reads a KMS-encrypted object; it cannot encrypt or write.
      if (action !== "kms:Decrypt") expect(action).toMatch(READ_ONLY_ACTION);
      expect(action).not.toMatch(WRITE_VERB);
    }
    expect(actions).toEqual(expect.arrayContaining(["s3:GetObject", "s3:GetObjectVersion", "dynamodb:DescribeTable", "dynamodb:GetItem"]));
  });

  it("lists and reads only the configured services' archive prefixes and the audit log", () => {
    const [list] = withAction(statements, "s3:ListBucket");
    expect(list?.Resource).toEqual({ "Fn::GetAtt": [bucketId, "Arn"] });
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["deleted/contact-svc/*", "deleted/order-svc/*", "deleted/_audit/*"] } });
    const reads = withAction(statements, "s3:GetObject").flatMap(resourcesOf).map(renderArn);
    expect(reads.sort()).toEqual(
      ["deleted/_audit/*", "deleted/contact-svc/*", "deleted/order-svc/*"].map((p) => `\${${bucketId}.Arn}/${p}`),
    );
  });

  it("scopes every resource to a configured table, mapping, queue, alarm or key", () => {
    const tables = withAction(statements, "dynamodb:GetItem").flatMap(resourcesOf);
    expect(tables).toEqual([
      { "Fn::GetAtt": [id("contact", "AWS::DynamoDB::Table"), "Arn"] },
      { "Fn::GetAtt": [id("order", "AWS::DynamoDB::Table"), "Arn"] },
    ]);
    const unscoped = statements.filter((s) => resourcesOf(s).includes("*"));
    expect(unscoped.flatMap(actionsOf)).toEqual(["lambda:ListEventSourceMappings"]);
    expect(withAction(statements, "cloudwatch:DescribeAlarms").flatMap(resourcesOf)).toHaveLength(6);
    expect(withAction(statements, "lambda:GetEventSourceMapping").flatMap(resourcesOf)).toHaveLength(2);
    expect(withAction(statements, "sqs:GetQueueAttributes").flatMap(resourcesOf)).toHaveLength(1);
    const [decrypt] = withAction(statements, "kms:Decrypt");
    expect(decrypt?.Condition).toMatchObject({ StringEquals: { "kms:ViaService": expect.anything() } });
  });
});

describe("console restore policy", () => {
  const { statements, bucketId, id } = consolePolicy(/restore:/);

  it("adds PutItem and ConditionCheckItem on the configured tables only", () => {
    const puts = withAction(statements, "dynamodb:PutItem");
    expect(puts).toHaveLength(1);
    expect(actionsOf(puts[0]!).sort()).toEqual(["dynamodb:ConditionCheckItem", "dynamodb:PutItem"]);
    expect(resourcesOf(puts[0]!)).toEqual([
      { "Fn::GetAtt": [id("contact", "AWS::DynamoDB::Table"), "Arn"] },
      { "Fn::GetAtt": [id("order", "AWS::DynamoDB::Table"), "Arn"] },
    ]);
  });

  it("writes S3 only to the audit log, and retrieves archived objects from Glacier", () => {
    expect(withAction(statements, "s3:PutObject").flatMap(resourcesOf).map(renderArn)).toEqual([`\${${bucketId}.Arn}/deleted/_audit/*`]);
    expect(withAction(statements, "s3:RestoreObject").flatMap(resourcesOf).map(renderArn).sort()).toEqual(
      ["deleted/contact-svc/*", "deleted/order-svc/*"].map((p) => `\${${bucketId}.Arn}/${p}`),
    );
    const s3Actions = new Set(statements.flatMap(actionsOf).filter((a) => a.startsWith("s3:")));
    expect([...s3Actions].sort()).toEqual(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObject", "s3:RestoreObject"]);
  });

  it("includes everything the read-only policy grants", () => {
    const readOnly = consolePolicy(/read-only:/).statements.flatMap(actionsOf);
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(readOnly));
    for (const action of statements.flatMap(actionsOf)) expect(action).not.toContain("*");
  });
});
