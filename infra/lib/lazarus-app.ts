import { CfnResource, type App, type Stack } from "aws-cdk-lib";
import { ConfigError } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { alarmDestinations } from "./alerting";
import { ArchiversStack } from "./archivers-stack";
import { FOUNDATION_STACK_ID, STACK_RESOURCE_LIMIT, archiversStackId, servicesByStack } from "./fleet";
import { FoundationStack } from "./foundation-stack";
import { REPLICA_ERASER_STACK_ID, ReplicaEraserStack } from "./replica-eraser-stack";

export interface LazarusStacks {
  foundation: FoundationStack;
  archivers: ArchiversStack[];
  /** In the replica's account, with `archive.secondCopy.replication.eraser`. */
  replicaEraser?: ReplicaEraserStack;
}

export interface BuildOptions {
  /** The day lifecycle rules are written for; default today. */
  now?: Date;
}

/**
 * The whole deployment from one config: the foundation stack, then one archivers stack
 * per group of services (fleet.stacks groups, chosen by a hash of each service's name).
 * Every stack goes to the config's region, in whatever account the credentials are for.
 */
export function buildLazarus(app: App, config: LazarusConfig, options: BuildOptions = {}): LazarusStacks {
  const env = { region: config.region };
  const destinations = alarmDestinations(config, app);
  const foundation = new FoundationStack(app, FOUNDATION_STACK_ID, {
    config,
    destinations,
    now: options.now ?? new Date(),
    env,
    description: `Lazarus delete archive s3://${config.archive.bucket}: archive, alerting and console policies for ${config.services.length} services`,
  });
  const archivers = servicesByStack(config).map(({ index, services }) => {
    const names = services.map((s) => s.name).join(", ");
    return new ArchiversStack(app, archiversStackId(index), {
      config,
      services,
      archiveKeyArn: foundation.storage.key.keyArn,
      destinations,
      env,
      // aws-cdk-lib refuses a stack description over 512 characters.
      description: `Lazarus archivers into s3://${config.archive.bucket}: ${names.length > 400 ? `${services.length} services` : names}`,
    });
  });
  for (const stack of [foundation, ...archivers]) assertWithinResourceLimit(stack, config);
  const replication = config.archive.secondCopy.replication;
  if (!replication?.eraser) return { foundation, archivers };
  // Deployed with the replica account's credentials; the explicit account makes the CLI refuse any other.
  const replicaEraser = new ReplicaEraserStack(app, REPLICA_ERASER_STACK_ID, {
    config,
    env: { account: replication.destinationAccount, region: replication.eraser.region ?? config.region },
    description: `Lazarus replica eraser: applies the erasures of s3://${config.archive.bucket} in its replica s3://${replication.destinationBucket}`,
  });
  return { foundation, archivers, replicaEraser };
}

export function resourceCount(stack: Stack): number {
  return stack.node.findAll().filter((c) => CfnResource.isCfnResource(c) && c.stack === stack).length;
}

function assertWithinResourceLimit(stack: Stack, config: LazarusConfig): void {
  const count = resourceCount(stack);
  if (count <= STACK_RESOURCE_LIMIT) return;
  throw new ConfigError(
    `Stack ${stack.stackName} would hold ${count} resources; CloudFormation allows ${STACK_RESOURCE_LIMIT}. ` +
      `Give some of its services another "stack" (0 to ${config.fleet.stacks - 1}) in the config, or raise fleet.stacks ` +
      "(which moves services between stacks: see docs/INFRA.md, Adding and removing services).",
  );
}
