import { ApplicationLogLevel, Architecture, LoggingFormat, SystemLogLevel } from "aws-cdk-lib/aws-lambda";
import type { NodejsFunctionProps } from "aws-cdk-lib/aws-lambda-nodejs";
import { FUNCTION_BUNDLING } from "./function-bundling";
import { ARCHIVER_RUNTIME, REPO_ROOT } from "./service-archiver";

/**
 * What the scheduled functions that run the console's own code (sealing, the erasure
 * re-check) share: ARM, JSON logs, and a bundle built under the `react-server` condition,
 * in which the console modules' "server-only" guard is empty (as for the npm scripts),
 * with the part of the config the function reads built in (never the sign-in rules).
 */
export function consoleCodeFunctionProps(entry: string, builtInConfig: unknown) {
  return {
    entry,
    handler: "handler",
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}package-lock.json`,
    runtime: ARCHIVER_RUNTIME,
    architecture: Architecture.ARM_64,
    loggingFormat: LoggingFormat.JSON,
    applicationLogLevelV2: ApplicationLogLevel.INFO,
    systemLogLevelV2: SystemLogLevel.WARN,
    bundling: {
      ...FUNCTION_BUNDLING,
      esbuildArgs: { "--conditions": "react-server" },
      define: { LAZARUS_CONFIG_JSON: JSON.stringify(JSON.stringify(builtInConfig)) },
    },
  } satisfies NodejsFunctionProps;
}
