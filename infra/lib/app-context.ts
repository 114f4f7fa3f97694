import { App, type AppProps } from "aws-cdk-lib";

/**
 * Feature flags the stack relies on, set in code rather than cdk.json so that the
 * CLI and the tests (which build their own App) synthesize the same template.
 */
export const FEATURE_FLAGS = {
  // Access logs are delivered through a bucket policy, not the legacy log-delivery ACL,
  // so the log bucket can keep ACLs disabled (BucketOwnerEnforced).
  "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": true,
  "@aws-cdk/core:enablePartitionLiterals": true,
  "@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope": true,
  "@aws-cdk/aws-iam:standardizedServicePrincipals": true,
  // The archivers stacks import the archive key's ARN: the foundation must keep exporting it while any of them does.
  "@aws-cdk/core:defaultCrossStackReferences": "strong",
} as const;

/** `-c lazarus:alarmEmail=ops@example.com` adds that address to the alarm topic's subscribers (beside `alerts.email`). */
export const ALARM_EMAIL_CONTEXT = "lazarus:alarmEmail";

/**
 * An imported table (table.managed: false) is archived from its existing stream,
 * whose ARN (with its creation label) only the account knows:
 * `-c lazarus:streamArn:usr-contact-svc=arn:aws:dynamodb:...:table/usr-contact/stream/2024-...`.
 */
export function streamArnContextKey(service: string): string {
  return `lazarus:streamArn:${service}`;
}

/** A context value (-c key=value or cdk.json) that is missing or malformed; its message says which and how to fix it. */
export class ContextError extends Error {
  override name = "ContextError";
}

export function createLazarusApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...FEATURE_FLAGS, ...props.context } });
}
