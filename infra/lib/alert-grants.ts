import { ArnFormat, Stack } from "aws-cdk-lib";
import { PolicyStatement, type Role } from "aws-cdk-lib/aws-iam";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { LazarusConfig } from "../../lib/config/schema";
import { CONSOLE_KEY_SEGMENTS } from "./console-tiers";
import { acknowledgeWildcardAction, acknowledgeWildcardResources } from "./wildcard-acknowledgment";

/** Whether a scheduled function sends alerts: to the topic, the webhook (its URL read from Secrets Manager), or both. */
export function isScheduledAlerting(config: LazarusConfig): boolean {
  return Boolean(config.alerts.snsTopicArn || config.alerts.webhook);
}

/**
 * The webhook secret named by `alerts.webhook.urlSecretName`, in the stack's account and
 * region. Secrets Manager appends six random characters to a secret's ARN, so a secret
 * known by name is matched with `-??????`: that secret and no other of the same prefix.
 */
export function webhookSecretArn(scope: Stack, secretName: string): string {
  return scope.formatArn({ service: "secretsmanager", resource: "secret", resourceName: `${secretName}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** A topic key is usable only through SNS in the topic's region, never directly. */
export function viaSnsOfTopic(topicArn: string): Record<string, Record<string, string>> {
  return { StringEquals: { "kms:ViaService": `sns.${topicArn.split(":")[3]}.amazonaws.com` } };
}

/** The action patterns of the topic key's grant that cdk-nag flags, and why each is needed. */
export const TOPIC_KEY_WILDCARD_ACTIONS: Readonly<Record<string, string>> = {
  "kms:GenerateDataKey*":
    "SNS asks KMS for a data key as the publisher when a message goes to a topic encrypted with a customer managed key (AWS documents kms:GenerateDataKey* for publishers); the grant names that one key and holds only through SNS in the topic's region.",
};

/**
 * Publishing to a topic encrypted with a customer managed key needs that key too
 * (SNS encrypts the message as the publisher): kms:GenerateDataKey* and kms:Decrypt,
 * only through SNS in the topic's region. Undefined without `alerts.snsTopicKmsKeyArn`.
 */
export function alertTopicKeyStatement(config: LazarusConfig): PolicyStatement | undefined {
  const { snsTopicArn, snsTopicKmsKeyArn } = config.alerts;
  if (!snsTopicArn || !snsTopicKmsKeyArn) return undefined;
  return new PolicyStatement({
    sid: "AlertTopicKey",
    actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
    resources: [snsTopicKmsKeyArn],
    conditions: viaSnsOfTopic(snsTopicArn),
  });
}

/**
 * What a scheduled function needs to send its alerts through lib/alerts (docs/ALERTS.md):
 * publish to `alerts.snsTopicArn` (and use its key, when the config names one); read the
 * webhook's URL from its one secret, when `alerts.webhook` is set; and read and change its
 * own alert state only with conditional writes (new: If-None-Match; changed: If-Match), so
 * that of two senders one sends. The URL is never in the function's environment. With
 * neither destination it gets nothing. Returns the state objects granted (for wildcard
 * acknowledgments).
 */
export function grantAlerting(role: Role, config: LazarusConfig, archive: { bucket: IBucket; prefix: string }, subjects: readonly string[]): string[] {
  if (!isScheduledAlerting(config)) return [];
  const { snsTopicArn: topic, webhook } = config.alerts;
  const state = subjects.map((subject) => archive.bucket.arnForObjects(`${archive.prefix}${CONSOLE_KEY_SEGMENTS.alerts}/${subject}`));
  role.addToPrincipalPolicy(new PolicyStatement({ sid: "AlertState", actions: ["s3:GetObject"], resources: state }));
  role.addToPrincipalPolicy(new PolicyStatement({ sid: "NewAlertState", actions: ["s3:PutObject"], resources: state, conditions: { Null: { "s3:if-none-match": "false" } } }));
  role.addToPrincipalPolicy(new PolicyStatement({ sid: "ChangedAlertState", actions: ["s3:PutObject"], resources: state, conditions: { Null: { "s3:if-match": "false" } } }));
  if (topic) role.addToPrincipalPolicy(new PolicyStatement({ sid: "PublishAlerts", actions: ["sns:Publish"], resources: [topic] }));
  const topicKey = alertTopicKeyStatement(config);
  if (topicKey) {
    role.addToPrincipalPolicy(topicKey);
    for (const [action, reason] of Object.entries(TOPIC_KEY_WILDCARD_ACTIONS)) acknowledgeWildcardAction(role, action, reason);
  }
  if (webhook) {
    const secret = webhookSecretArn(Stack.of(role), webhook.urlSecretName);
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "AlertWebhookSecret", actions: ["secretsmanager:GetSecretValue"], resources: [secret] }));
    acknowledgeWildcardResources(role, [secret], "Secrets Manager adds six random characters to a secret's ARN; -?????? admits the named webhook secret only.");
  }
  return state;
}
