import { OutputFormat, type BundlingOptions } from "aws-cdk-lib/aws-lambda-nodejs";

/** How every Lazarus function is bundled, with the local esbuild (never Docker). */
export const FUNCTION_BUNDLING = {
  format: OutputFormat.CJS,
  target: "node24",
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Maps minified stack traces back to the sources without a NODE_OPTIONS variable beside the function's own.
  banner: "process.setSourceMapsEnabled(true);",
  keepNames: true,
  // Bundle the SDK instead of using the runtime's copy: the conditional
  // PutObject (If-None-Match) needs a recent client, and a pinned one is reproducible.
  externalModules: [],
  forceDockerBundling: false,
} satisfies BundlingOptions;
