import { PolicyStatement, type Role } from "aws-cdk-lib/aws-iam";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { LazarusConfig } from "../../lib/config/schema";
import { CONSOLE_KEY_SEGMENTS } from "./console-tiers";

/**
 * What a scheduled function needs to send its alerts through lib/alerts (docs/ALERTS.md):
 * publish to `alerts.snsTopicArn`, and read and change its own alert state only with
 * conditional writes (new: If-None-Match; changed: If-Match), so that of two senders one
 * sends. A function has no webhook URL in its environment, so without a topic it sends
 * nothing and gets nothing. Returns the state objects granted (for wildcard acknowledgments).
 */
export function grantAlerting(role: Role, config: LazarusConfig, archive: { bucket: IBucket; prefix: string }, subjects: readonly string[]): string[] {
  const topic = config.alerts.snsTopicArn;
  if (!topic) return [];
  const state = subjects.map((subject) => archive.bucket.arnForObjects(`${archive.prefix}${CONSOLE_KEY_SEGMENTS.alerts}/${subject}`));
  role.addToPrincipalPolicy(new PolicyStatement({ sid: "AlertState", actions: ["s3:GetObject"], resources: state }));
  role.addToPrincipalPolicy(new PolicyStatement({ sid: "NewAlertState", actions: ["s3:PutObject"], resources: state, conditions: { Null: { "s3:if-none-match": "false" } } }));
  role.addToPrincipalPolicy(new PolicyStatement({ sid: "ChangedAlertState", actions: ["s3:PutObject"], resources: state, conditions: { Null: { "s3:if-match": "false" } } }));
  role.addToPrincipalPolicy(new PolicyStatement({ sid: "PublishAlerts", actions: ["sns:Publish"], resources: [topic] }));
  return state;
}
