import { createServer } from "node:net";
import { archiverTargetFor, createArchiverHandler, type ArchiverTarget } from "../../lib/archive/archiver";
import {
  createDynamoDBClient,
  createDynamoDBStreamsClient,
  createIamClient,
  createLambdaClient,
  createS3Client,
  createSqsClient,
} from "../../lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { startClosedDaySealer, type ClosedDaySealer } from "./closed-day-sealer";
import { MotoServerError, startMotoServer, type MotoServer } from "./moto-server";
import { provisionLocalStack, type ProvisionedStack } from "./provision";
import { startStreamMappingRunner, type StreamHandler, type StreamMappingRunner, type StreamMappingRunnerOptions } from "./stream-mapping-runner";
import { startTtlSweeper, TtlDeletionLedger, type TtlSweeper } from "./ttl-sweeper";

/**
 * Everything Lazarus needs from AWS, on one machine: moto_server (unless an endpoint is
 * given), the provisioned resources, the stream mapping runner, the TTL sweeper and the
 * sealer of closed days.
 * Used by `npm run stack`, the demo and the integration tests.
 */

export const DEFAULT_MOTO_PORT = 4566;

export interface LocalStackOptions {
  config: LazarusConfig;
  /** An endpoint that is already serving (the tests' shared moto_server); nothing is started then. */
  endpoint?: string;
  port?: number;
  host?: string;
  /** The function each service's mapping invokes; the real archiver by default. */
  handler?: (service: ServiceConfig, target: ArchiverTarget) => StreamHandler;
  runner?: Pick<StreamMappingRunnerOptions, "pollIntervalMs" | "idlePollIntervalMs" | "retryDelayMs" | "functionTimeoutMs" | "now">;
  sweeper?: { intervalMs?: number; idleIntervalMs?: number; now?: () => Date };
  /** Seals closed days at start and then every intervalMs (docs/LOCAL-STACK.md); `false` leaves every day open. */
  sealer?: { intervalMs?: number; now?: () => Date } | false;
  log?: (message: string) => void;
}

export interface LocalStack {
  endpoint: string;
  region: string;
  config: LazarusConfig;
  provisioned: ProvisionedStack;
  runner: StreamMappingRunner;
  sweeper: TtlSweeper;
  ledger: TtlDeletionLedger;
  /** Undefined when the options turned sealing off. */
  sealer: ClosedDaySealer | undefined;
  /** Stops the sealer, the runner, the sweeper and the moto_server this stack started; safe to call twice. */
  stop(): Promise<void>;
}

export class LocalStackError extends Error {
  override name = "LocalStackError";
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { config } = options;
  const log = options.log ?? (() => {});
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    // Last started, first stopped: the runner must finish before moto goes away.
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (e) {
        log(`while stopping: ${(e as Error).message}`);
      }
    }
  };

  try {
    let endpoint = options.endpoint;
    if (!endpoint) {
      const moto = await startMoto(options.host ?? "127.0.0.1", options.port ?? DEFAULT_MOTO_PORT);
      stops.push(() => moto.stop());
      endpoint = moto.endpoint;
      log(`moto_server listening on ${endpoint}`);
    }

    const clientOptions = { region: config.region, endpoint };
    const clients = {
      s3: createS3Client(clientOptions),
      dynamodb: createDynamoDBClient(clientOptions),
      streams: createDynamoDBStreamsClient(clientOptions),
      sqs: createSqsClient(clientOptions),
      lambda: createLambdaClient(clientOptions),
      iam: createIamClient(clientOptions),
    };
    stops.push(() => Object.values(clients).forEach((c) => c.destroy()));

    const provisioned = await provisionLocalStack(config, clients, { log });

    const ledger = new TtlDeletionLedger();
    const handlerFor =
      options.handler ?? ((_service: ServiceConfig, target: ArchiverTarget) => createArchiverHandler({ s3: clients.s3, target }));
    const runner = startStreamMappingRunner({
      region: config.region,
      services: config.services.map((service) => {
        const p = provisioned.services.find((s) => s.service === service.name);
        if (!p) throw new LocalStackError(`service ${service.name} was not provisioned`);
        return { config: service, provisioned: p, handler: handlerFor(service, archiverTargetFor(config, service)) };
      }),
      clients,
      ledger,
      log,
      ...options.runner,
    });
    stops.push(() => runner.stop());

    const sweeper = startTtlSweeper({ config, dynamodb: clients.dynamodb, ledger, log, ...options.sweeper });
    stops.push(() => sweeper.stop());

    let sealer: ClosedDaySealer | undefined;
    if (options.sealer !== false) {
      sealer = startClosedDaySealer({ config, s3: clients.s3, log, ...options.sealer });
      const started = sealer;
      stops.push(() => started.stop());
    }

    return { endpoint, region: config.region, config, provisioned, runner, sweeper, ledger, sealer, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

async function startMoto(host: string, port: number): Promise<MotoServer> {
  // Without this, a moto_server already on the port would answer the readiness check
  // while ours exits, and the stack would provision into someone else's server.
  await assertPortFree(host, port);
  try {
    return await startMotoServer({ host, port });
  } catch (e) {
    // A pyenv shim without moto behind it exits 127 instead of failing to spawn.
    if (e instanceof MotoServerError && /exited with code 127/.test(e.message)) {
      throw new LocalStackError(`moto_server is not installed for the active Python. Install it with: pip install "moto[server]"\n${e.message}`);
    }
    throw e;
  }
}

async function assertPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new LocalStackError(`port ${port} on ${host} is already in use. Choose another with --port or LAZARUS_MOTO_PORT.`)
          : e,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
