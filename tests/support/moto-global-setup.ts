import type { TestProject } from "vitest/node";
import { startMotoServer } from "../../scripts/local-stack/moto-server";

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

/** One moto_server on a free port for the integration run; test files use their own resource names. */
export default async function setup(project: TestProject) {
  const moto = await startMotoServer();
  project.provide("motoEndpoint", moto.endpoint);
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  return async () => {
    await moto.stop();
  };
}
