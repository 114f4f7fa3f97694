import "server-only";
import { DescribeContinuousBackupsCommand, DescribeTimeToLiveCommand, ListTagsOfResourceCommand, type DynamoDBClient, type TableDescription, type Tag } from "@aws-sdk/client-dynamodb";
import type { ServiceConfig } from "../config/schema";
import { describeTableOrNull } from "./pitr-restore";
import type { ChecklistItem } from "./pitr-types";

/**
 * What a PITR restore does not bring back (seed 004): the restored table gets the
 * items and the key schema, not the settings around them. Each line is checked
 * against the restored table where DynamoDB can tell, with the command that fixes it.
 */
export async function restoredTableChecklist(dynamodb: DynamoDBClient, service: ServiceConfig, target: string): Promise<ChecklistItem[]> {
  const [source, restored] = await Promise.all([describeTableOrNull(dynamodb, service.table.name), describeTableOrNull(dynamodb, target)]);
  if (!restored) return [{ id: "table", label: "Restored table", state: "todo", detail: `Table ${target} does not exist (deleted, or the restore failed).` }];
  const items: ChecklistItem[] = [];
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const t = q(target);

  const stream = restored.StreamSpecification;
  const streamOk = stream?.StreamEnabled === true && stream.StreamViewType === "NEW_AND_OLD_IMAGES";
  items.push({
    id: "stream",
    label: "Stream (NEW_AND_OLD_IMAGES) and the archiver",
    state: streamOk ? "ok" : "todo",
    detail: streamOk
      ? "The stream is on with old images. The Lazarus archiver still has to be mapped to it if this table replaces the live one."
      : "Streams are not restored. Without one, deletions from this table are not archived.",
    command: `aws dynamodb update-table --table-name ${t} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`,
  });

  const ttlAttribute = service.table.ttlAttribute;
  const ttl = (await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: target }))).TimeToLiveDescription;
  const ttlOn = ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING";
  items.push(
    ttlAttribute
      ? {
          id: "ttl",
          label: `TTL on "${ttlAttribute}"`,
          state: ttlOn && ttl?.AttributeName === ttlAttribute ? "ok" : "todo",
          detail: ttlOn && ttl?.AttributeName === ttlAttribute ? "TTL is enabled on the service's attribute." : `TTL is ${ttl?.TimeToLiveStatus ?? "DISABLED"} on the restored table; expired items will stay.`,
          command: `aws dynamodb update-time-to-live --table-name ${t} --time-to-live-specification Enabled=true,AttributeName=${q(ttlAttribute)}`,
        }
      : { id: "ttl", label: "TTL", state: "ok", detail: "The service has no TTL attribute configured." },
  );

  const pitr = (await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: target }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  items.push({
    id: "pitr",
    label: "Point-in-time recovery",
    state: pitr?.PointInTimeRecoveryStatus === "ENABLED" ? "ok" : "todo",
    detail: pitr?.PointInTimeRecoveryStatus === "ENABLED" ? "PITR is enabled." : "PITR is off on the restored table.",
    command: `aws dynamodb update-continuous-backups --table-name ${t} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`,
  });

  items.push({
    id: "deletion-protection",
    label: "Deletion protection",
    state: restored.DeletionProtectionEnabled ? "ok" : "todo",
    detail: restored.DeletionProtectionEnabled ? "Deletion protection is on." : "Deletion protection is off on the restored table.",
    command: `aws dynamodb update-table --table-name ${t} --deletion-protection-enabled`,
  });

  items.push(...indexItems(source, restored, t));
  items.push(await tagsItem(dynamodb, source, restored));

  const onDemand = restored.BillingModeSummary?.BillingMode === "PAY_PER_REQUEST" || (restored.ProvisionedThroughput?.ReadCapacityUnits ?? 0) === 0;
  items.push({
    id: "autoscaling",
    label: "Auto scaling",
    state: onDemand ? "ok" : "manual",
    detail: onDemand ? "The restored table is on demand; there is nothing to scale." : "Auto scaling policies are not restored; register the table and its indexes again.",
    command: `aws application-autoscaling register-scalable-target --service-namespace dynamodb --resource-id ${q(`table/${target}`)} --scalable-dimension dynamodb:table:ReadCapacityUnits --min-capacity 5 --max-capacity 100`,
  });
  items.push({
    id: "iam",
    label: "IAM policies",
    state: "manual",
    detail: `Policies naming ${service.table.name}'s ARN do not cover ${target}; nor is a resource-based policy copied. Lazarus cannot see them from here.`,
    command: `aws dynamodb get-resource-policy --resource-arn ${q(source?.TableArn ?? service.table.name)}   # then put-resource-policy on ${target}, and add ${restored.TableArn ?? target} to the roles' policies`,
  });
  items.push({
    id: "alarms",
    label: "CloudWatch alarms",
    state: "manual",
    detail: "Alarms are per table name; none watch the restored table.",
    command: `aws cloudwatch describe-alarms --query "MetricAlarms[?Dimensions[?Name=='TableName' && Value=='${service.table.name}']].AlarmName"   # copy each with put-metric-alarm and TableName=${target}`,
  });
  return items;
}

function indexItems(source: TableDescription | null, restored: TableDescription, t: string): ChecklistItem[] {
  const sourceGsis = source?.GlobalSecondaryIndexes ?? [];
  const restoredGsis = new Map((restored.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i]));
  const missingGsis = sourceGsis.filter((i) => !restoredGsis.has(i.IndexName));
  const notActive = [...restoredGsis.values()].filter((i) => i.IndexStatus !== "ACTIVE");
  const sourceLsis = (source?.LocalSecondaryIndexes ?? []).map((i) => i.IndexName);
  const restoredLsis = new Set((restored.LocalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const missingLsis = sourceLsis.filter((n) => !restoredLsis.has(n));
  const gsiOk = missingGsis.length === 0 && notActive.length === 0;
  return [
    {
      id: "gsi",
      label: `Global secondary indexes (${sourceGsis.length})`,
      state: sourceGsis.length === 0 ? "ok" : gsiOk ? "ok" : "todo",
      detail:
        sourceGsis.length === 0
          ? "The live table has no GSIs."
          : gsiOk
            ? `All present and ACTIVE. An index can come back empty (seed 004): count one before relying on it.`
            : `Missing: ${missingGsis.map((i) => i.IndexName).join(", ") || "none"}; not ACTIVE: ${notActive.map((i) => i.IndexName).join(", ") || "none"}.`,
      command:
        missingGsis.length > 0
          ? `aws dynamodb update-table --table-name ${t} --attribute-definitions ... --global-secondary-index-updates '[{"Create":{"IndexName":"${missingGsis[0]!.IndexName}","KeySchema":${JSON.stringify(missingGsis[0]!.KeySchema)},"Projection":${JSON.stringify(missingGsis[0]!.Projection)}}}]'`
          : sourceGsis.length > 0
            ? `aws dynamodb scan --table-name ${t} --index-name ${sourceGsis[0]!.IndexName} --select COUNT`
            : undefined,
    } as ChecklistItem,
    {
      id: "lsi",
      label: `Local secondary indexes (${sourceLsis.length})`,
      state: missingLsis.length === 0 ? "ok" : "todo",
      detail: missingLsis.length === 0 ? (sourceLsis.length ? "All present." : "The live table has no LSIs.") : `Missing: ${missingLsis.join(", ")}. LSIs cannot be added later: restore again with them.`,
      ...(missingLsis.length ? { command: `aws dynamodb restore-table-to-point-in-time --source-table-name ${source?.TableName ?? "SOURCE"} --target-table-name NEW_NAME --use-latest-restorable-time --local-secondary-index-override file://lsis.json` } : {}),
    },
  ];
}

async function tagsItem(dynamodb: DynamoDBClient, source: TableDescription | null, restored: TableDescription): Promise<ChecklistItem> {
  const tagsOf = async (arn: string | undefined): Promise<Tag[]> => (arn ? ((await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags ?? []) : []);
  const [sourceTags, restoredTags] = await Promise.all([tagsOf(source?.TableArn), tagsOf(restored.TableArn)]);
  const have = new Map(restoredTags.map((t) => [t.Key, t.Value]));
  const missing = sourceTags.filter((t) => have.get(t.Key) !== t.Value);
  return {
    id: "tags",
    label: `Tags (${sourceTags.length} on the live table)`,
    state: missing.length === 0 ? "ok" : "todo",
    detail: missing.length === 0 ? "The restored table has every tag of the live table." : `Missing: ${missing.map((t) => t.Key).join(", ")}.`,
    ...(missing.length
      ? { command: `aws dynamodb tag-resource --resource-arn '${restored.TableArn}' --tags ${missing.map((t) => `Key=${JSON.stringify(t.Key)},Value=${JSON.stringify(t.Value)}`).join(" ")}` }
      : {}),
  };
}
