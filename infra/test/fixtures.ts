import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll } from "vitest";
import { parseConfig } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { createLazarusApp } from "../lib/app-context";
import { LazarusStack } from "../lib/lazarus-stack";

type Json = Record<string, unknown>;

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

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

export function synthStack(config: LazarusConfig, options: SynthOptions = {}): { stack: LazarusStack; template: Template } {
  const app = createLazarusApp({
    outdir: options.outdir ?? tempOutdir(),
    context: { ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }), ...options.context },
  });
  const stack = new LazarusStack(app, "Lazarus", { config, env: { region: config.region } });
  return { stack, template: Template.fromStack(stack) };
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
