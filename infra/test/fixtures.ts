import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { parseConfig } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { createLazarusApp } from "../lib/app-context";
import { buildLazarus, type LazarusStacks } from "../lib/lazarus-app";

type Json = Record<string, unknown>;

const outdirs: string[] = [];

/** Run after each file's tests (infra/test/setup.ts): a worker runs several files and loads this module once. */
export function removeTempOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A cloud assembly directory of its own (files run in parallel), removed after the file's tests. */
export function tempOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lazarus-infra-"));
  outdirs.push(dir);
  return dir;
}

/** A config exercising both failure destinations, a table without sort key and non-default mapping settings. */
export function rawTestConfig(): Json {
  return {
    region: "eu-west-1",
    archive: {
      bucket: "test-archive",
      prefix: "deleted/",
      lifecycle: { infrequentAccessAfterDays: 60, glacierAfterDays: 200, expireAfterDays: 1000, minimumObjectSizeBytes: 262144 },
    },
    alarms: { iteratorAgeSeconds: 900, archiverErrors: 3 },
    alerts: { email: ["ops@example.com"] },
    // One archivers stack, so a test reads every pipeline from one template.
    fleet: { stacks: 1 },
    services: [
      {
        name: "contact-svc",
        table: {
          name: "contact",
          partitionKey: { name: "PK", type: "S" },
          sortKey: { name: "SK", type: "S" },
          ttlAttribute: "expiresAt",
          managed: true,
        },
        archiver: {
          functionName: "archiver-contact",
          batchSize: 250,
          maximumBatchingWindowSeconds: 5,
          maximumRetryAttempts: 3,
          maximumRecordAgeSeconds: 3600,
          parallelizationFactor: 2,
        },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
      {
        name: "order-svc",
        table: { name: "order", partitionKey: { name: "orderId", type: "N" }, ttlAttribute: "ttl", managed: true },
        archiver: { functionName: "archiver-order" },
        onFailure: { type: "s3", bucket: "test-failed-batches" },
      },
    ],
  };
}

export function testConfig(edit: (raw: Json) => void = () => {}): LazarusConfig {
  const raw = rawTestConfig();
  edit(raw);
  return parseConfig(raw, "test config");
}

export function serviceAt(raw: Json, index: number): Json {
  return (raw.services as Json[])[index] as Json;
}

export interface SynthOptions {
  context?: Record<string, unknown>;
  /** Bundling runs esbuild for real; most tests only need the template. */
  bundle?: boolean;
  outdir?: string;
}

/** A fixed day for lifecycle rules, so retired services' rules do not depend on when the tests run. */
export const TEST_NOW = new Date("2026-12-01T00:00:00Z");

export interface Synth {
  stacks: LazarusStacks;
  /** The foundation stack's template: archive, alerting, dashboard, console policies. */
  template: Template;
  /** The template of the only archivers stack (the test configs use one). */
  services: Template;
}

export function synthStack(config: LazarusConfig, options: SynthOptions = {}): Synth {
  const app = createLazarusApp({
    outdir: options.outdir ?? tempOutdir(),
    context: { ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }), ...options.context },
  });
  const stacks = buildLazarus(app, config, { now: TEST_NOW });
  const template = Template.fromStack(stacks.foundation);
  let services: Template | undefined;
  return {
    stacks,
    template,
    get services() {
      if (stacks.archivers.length !== 1) throw new Error(`expected one archivers stack, found ${stacks.archivers.length}`);
      services ??= Template.fromStack(stacks.archivers[0]!);
      return services;
    },
  };
}

export type Resource = { Type: string; Properties: Json; DeletionPolicy?: string; UpdateReplacePolicy?: string };

export function resourcesOfType(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type)) as Array<[string, Resource]>;
}

export function onlyResource(template: Template, type: string, where: (r: Resource) => boolean = () => true): [string, Resource] {
  const matches = resourcesOfType(template, type).filter(([, r]) => where(r));
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0]!;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
  Sid?: string;
}

export function statementsOf(resource: Resource): Statement[] {
  const doc = resource.Properties.PolicyDocument as { Statement: Statement[] };
  return doc.Statement;
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** Renders CloudFormation references the way a reader would: `${Logical.Arn}/prefix/*`. */
export function renderArn(value: unknown): string {
  if (typeof value === "string") return value;
  const v = value as Json;
  if (Array.isArray(v["Fn::Join"])) {
    const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
    return parts.map(renderArn).join(sep);
  }
  if (Array.isArray(v["Fn::GetAtt"])) return `\${${(v["Fn::GetAtt"] as string[]).join(".")}}`;
  if (typeof v.Ref === "string") return `\${${v.Ref}}`;
  return JSON.stringify(value);
}

export function logicalIdOf(template: Template, type: string, where: (r: Resource) => boolean): string {
  return onlyResource(template, type, where)[0];
}

const SHIPPED_CONFIG = new URL("../../lazarus.config.json", import.meta.url).pathname;

/**
 * The shipped lazarus.config.json with `count` services: its own three first, then
 * copies of them with a numbered suffix on every name (each S3 copy with a failure
 * bucket of its own), so names keep the shipped ones' realistic lengths.
 */
export function shippedConfigWithServices(count: number): LazarusConfig {
  const raw = JSON.parse(readFileSync(SHIPPED_CONFIG, "utf8")) as Json;
  const shipped = raw.services as Json[];
  raw.services = Array.from({ length: count }, (_, i) => {
    const service = structuredClone(shipped[i % shipped.length]!) as Json & { table: Json; archiver: Json; onFailure: Json };
    const copy = Math.floor(i / shipped.length);
    if (copy > 0) {
      const suffix = `-${copy + 1}`;
      service.name = `${String(service.name)}${suffix}`;
      service.table.name = `${String(service.table.name)}${suffix}`;
      service.archiver.functionName = `${String(service.archiver.functionName)}${suffix}`;
      if (service.onFailure.type === "sqs") service.onFailure.queueName = `${String(service.onFailure.queueName)}${suffix}`;
      else service.onFailure.bucket = `${String(service.onFailure.bucket)}${suffix}`;
    }
    return service;
  });
  // Approvals named for a shipped service stay only while that service is among the copies.
  const approvals = raw.approvals as (Json & { services?: string[] }) | undefined;
  if (approvals?.services) {
    const names = new Set((raw.services as Json[]).map((s) => String(s.name)));
    approvals.services = approvals.services.filter((name) => names.has(name));
    if (approvals.services.length === 0) delete raw.approvals;
  }
  // So do drills.
  const drills = raw.drills as (Json & { services: Array<{ service: string }> }) | undefined;
  if (drills) {
    const names = new Set((raw.services as Json[]).map((s) => String(s.name)));
    drills.services = drills.services.filter((d) => names.has(d.service));
    if (drills.services.length === 0) delete raw.drills;
  }
  return parseConfig(raw, `lazarus.config.json with ${count} services`);
}

/** Stand-ins for what only a deployment knows, of realistic length. */
export const DEPLOYED_ACCOUNT = "123456789012";

/**
 * A template value as it will be deployed: references to the stack's buckets, tables,
 * queues, alarms and keys become their real-length ARNs (from the names the template
 * gives them), pseudo-parameters the account, the region and the "aws" partition. An
 * unknown reference becomes `<LogicalId>`.
 */
export function deployedValue(template: Template, region: string): (value: unknown) => unknown {
  const resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  const account = DEPLOYED_ACCOUNT;
  const arnOf = (id: string): string => {
    const r = resources[id]!;
    const name = (k: string) => String(r.Properties[k]);
    switch (r.Type) {
      case "AWS::S3::Bucket":
        return `arn:aws:s3:::${name("BucketName")}`;
      case "AWS::DynamoDB::Table":
        return `arn:aws:dynamodb:${region}:${account}:table/${name("TableName")}`;
      case "AWS::SQS::Queue":
        return `arn:aws:sqs:${region}:${account}:${name("QueueName")}`;
      case "AWS::CloudWatch::Alarm":
        return `arn:aws:cloudwatch:${region}:${account}:alarm:${name("AlarmName")}`;
      case "AWS::KMS::Key":
        return `arn:aws:kms:${region}:${account}:key/00000000-0000-0000-0000-000000000000`;
      case "AWS::IAM::ManagedPolicy":
        return `arn:aws:iam::${account}:policy/${name("ManagedPolicyName")}`;
      default:
        throw new Error(`no ARN for ${r.Type}`);
    }
  };
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (typeof v !== "object" || v === null) return v;
    const o = v as Json;
    if (Array.isArray(o["Fn::Join"])) {
      const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
      return parts.map(resolve).join(sep);
    }
    if (Array.isArray(o["Fn::GetAtt"])) return arnOf((o["Fn::GetAtt"] as string[])[0]!);
    if (typeof o.Ref === "string") {
      const pseudo = ({ "AWS::Partition": "aws", "AWS::AccountId": account, "AWS::Region": region } as Record<string, string>)[o.Ref];
      if (pseudo) return pseudo;
      // A managed policy's Ref is its ARN.
      return resources[o.Ref]?.Type === "AWS::IAM::ManagedPolicy" ? arnOf(o.Ref) : `<${o.Ref}>`;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]));
  };
  return resolve;
}

/** A tier's managed policies, first to last, as [logical ID, resource, number] (the first is 1). */
export function tierPolicies(template: Template, tier: string, region: string): Array<[string, Resource, number]> {
  const name = new RegExp(`^lazarus-console-${tier}-${region}(?:-(\\d+))?$`);
  return resourcesOfType(template, "AWS::IAM::ManagedPolicy")
    .flatMap(([id, r]): Array<[string, Resource, number]> => {
      const match = name.exec(String(r.Properties.ManagedPolicyName));
      return match ? [[id, r, match[1] ? Number(match[1]) : 1]] : [];
    })
    .sort((a, b) => a[2] - b[2]);
}
