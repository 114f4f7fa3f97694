import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ConfigError, loadConfig } from "../../lib/config/load";
import { ContextError, createLazarusApp } from "../lib/app-context";
import { buildLazarus } from "../lib/lazarus-app";

function main(): void {
  const config = loadConfig();
  // Run by the cdk CLI, the output directory comes from CDK_OUTDIR; run directly (npm run synth), it is ./cdk.out.
  const app = createLazarusApp(process.env.CDK_OUTDIR ? {} : { outdir: "cdk.out" });
  // The region is the config's, so the archive lands where the console looks for it;
  // the account is whichever the deploying credentials belong to.
  buildLazarus(app, config);
  // Any unacknowledged AwsSolutions finding fails the synth, and with it every deploy.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

try {
  main();
} catch (error) {
  if (error instanceof ConfigError || error instanceof ContextError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
