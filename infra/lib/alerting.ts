import { SecretValue, Stack } from "aws-cdk-lib";
import type { IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { ApiDestination, Authorization, Connection, HttpMethod, RuleTargetInput, EventField, Rule } from "aws-cdk-lib/aws-events";
import { ApiDestination as ApiDestinationTarget } from "aws-cdk-lib/aws-events-targets";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic, type ITopic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { ConfigError } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { ALARM_EMAIL_CONTEXT, ContextError } from "./app-context";

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Every alarm Lazarus creates is named `lazarus-...`; the webhook rule and the console's grants rely on it. */
export const ALARM_NAME_PREFIX = "lazarus-";

/** Where the alarms go, from `alerts` in the config plus `-c lazarus:alarmEmail=...`. */
export interface AlarmDestinations {
  emails: string[];
  /** An existing topic the alarms publish to as well. */
  topicArn?: string;
  /** Name of the Secrets Manager secret holding a Slack-compatible webhook URL. */
  webhookSecretName?: string;
}

/**
 * The alarm destinations, or a refusal to deploy: an alarm nobody receives is a failed
 * batch nobody replays, and with SQS its records leave the stream within hours.
 */
export function alarmDestinations(config: LazarusConfig, scope: Construct): AlarmDestinations {
  const fromContext: unknown = scope.node.tryGetContext(ALARM_EMAIL_CONTEXT);
  if (fromContext !== undefined && fromContext !== "" && (typeof fromContext !== "string" || !EMAIL.test(fromContext))) {
    throw new ContextError(`Context "${ALARM_EMAIL_CONTEXT}" must be an email address, got ${JSON.stringify(fromContext)}`);
  }
  const emails = [...new Set([...config.alerts.email, ...(typeof fromContext === "string" && fromContext ? [fromContext] : [])])];
  const { snsTopicArn, webhook } = config.alerts;
  if (emails.length === 0 && !snsTopicArn && !webhook) {
    throw new ConfigError(
      "Lazarus alarms have nowhere to go, so a failed batch would wait unseen until its records are lost. " +
        'Set at least one destination under "alerts" in the config: "email": ["ops@example.com"], ' +
        '"snsTopicArn": "arn:aws:sns:<region>:<account>:<topic>" (an existing topic, e.g. your pager\'s), or ' +
        '"webhook": { "urlSecretName": "<Secrets Manager secret holding a Slack-compatible webhook URL>" }; ' +
        `or pass -c ${ALARM_EMAIL_CONTEXT}=ops@example.com.`,
    );
  }
  return { emails, ...(snsTopicArn ? { topicArn: snsTopicArn } : {}), ...(webhook ? { webhookSecretName: webhook.urlSecretName } : {}) };
}

/** The alarm topic's name: one per archive, so two Lazarus deployments in one account keep apart. */
export function alarmTopicName(bucket: string): string {
  return `lazarus-alarms-${bucket.replace(/\./g, "-")}`;
}

/**
 * The actions every alarm takes, for any stack of the app: publishing to the foundation's
 * topic (by its ARN, which its name fixes, so no stack exports anything to another) and to
 * the existing topic, if one is configured.
 */
export function alarmActions(scope: Construct, destinations: AlarmDestinations, bucket: string): IAlarmAction[] {
  const stack = Stack.of(scope);
  const actions: IAlarmAction[] = [];
  if (destinations.emails.length > 0) {
    const arn = stack.formatArn({ service: "sns", resource: alarmTopicName(bucket) });
    actions.push(new SnsAction(Topic.fromTopicArn(scope, "LazarusAlarmTopic", arn)));
  }
  if (destinations.topicArn) actions.push(new SnsAction(Topic.fromTopicArn(scope, "ExistingAlarmTopic", destinations.topicArn)));
  return actions;
}

/**
 * The foundation's side of alerting: the alarm topic with its email subscriptions, and the
 * webhook, which is fed from EventBridge (every alarm's state change arrives there without
 * an alarm action) through an API destination, so no code runs to forward an alarm.
 */
export class Alerting extends Construct {
  readonly topic?: ITopic;

  constructor(scope: Construct, id: string, props: { destinations: AlarmDestinations; bucket: string }) {
    super(scope, id);
    const { destinations } = props;
    if (destinations.emails.length > 0) {
      // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic gets its own.
      const key = new Key(this, "TopicKey", { description: "Encrypts Lazarus alarm notifications", enableKeyRotation: true });
      key.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
      const topic = new Topic(this, "Topic", {
        topicName: alarmTopicName(props.bucket),
        displayName: "Lazarus alarms",
        masterKey: key,
        enforceSSL: true,
      });
      for (const email of destinations.emails) topic.addSubscription(new EmailSubscription(email));
      this.topic = topic;
    }
    if (destinations.webhookSecretName) this.addWebhook(destinations.webhookSecretName);
  }

  private addWebhook(secretName: string): void {
    // Slack-style incoming webhooks carry their secret in the URL, so the header is only a placeholder the API needs.
    const connection = new Connection(this, "WebhookConnection", {
      description: "Lazarus alarm webhook (the URL itself is the credential)",
      authorization: Authorization.apiKey("x-lazarus-alarm", SecretValue.unsafePlainText("lazarus")),
    });
    const destination = new ApiDestination(this, "Webhook", {
      connection,
      endpoint: SecretValue.secretsManager(secretName).unsafeUnwrap(),
      httpMethod: HttpMethod.POST,
      rateLimitPerSecond: 1,
      description: "Lazarus alarm state changes, as Slack-compatible JSON",
    });
    new Rule(this, "AlarmStateChanges", {
      description: "Every state change of a Lazarus alarm, to the alerts webhook",
      eventPattern: {
        source: ["aws.cloudwatch"],
        detailType: ["CloudWatch Alarm State Change"],
        detail: { alarmName: [{ prefix: ALARM_NAME_PREFIX }] },
      },
      targets: [
        new ApiDestinationTarget(destination, {
          event: RuleTargetInput.fromObject({
            text: `Lazarus: ${EventField.fromPath("$.detail.alarmName")} is ${EventField.fromPath("$.detail.state.value")}: ${EventField.fromPath("$.detail.state.reason")}`,
          }),
        }),
      ],
    });
  }
}
