import "server-only";
import { DescribeTableCommand, type DynamoDBClient, type TableDescription } from "@aws-sdk/client-dynamodb";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { isMissingTable } from "../aws/aws-errors";

type KeyAttribute = { name: string; type: string };

/**
 * Why a table from a request cannot receive a service's items, or undefined when
 * it can: it must exist, be usable, belong to no other configured service, and key
 * items exactly as the service's table does (names and types), so the archived
 * item lands under the same key. AWS errors other than "no such table" propagate.
 */
export async function targetTableProblem(
  dynamodb: DynamoDBClient,
  config: LazarusConfig,
  service: ServiceConfig,
  table: string,
): Promise<string | undefined> {
  const owner = config.services.find((s) => s !== service && s.table.name === table);
  if (owner) return `table "${table}" belongs to service ${owner.name}; items of ${service.name} are not restored into it`;
  let description: TableDescription | undefined;
  try {
    description = (await dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (error) {
    if (isMissingTable(error)) return `table "${table}" does not exist`;
    throw error;
  }
  if (!description) return `table "${table}" does not exist`;
  if (description.TableStatus !== "ACTIVE" && description.TableStatus !== "UPDATING") {
    return `table "${table}" is ${description.TableStatus ?? "in an unknown state"}, not ACTIVE`;
  }
  const differences = keySchemaDifferences(service, description);
  if (differences.length > 0) return `table "${table}" is keyed differently from ${service.table.name}: ${differences.join("; ")}`;
  return undefined;
}

function keyAttribute(description: TableDescription, role: "HASH" | "RANGE"): KeyAttribute | undefined {
  const name = description.KeySchema?.find((k) => k.KeyType === role)?.AttributeName;
  if (name === undefined) return undefined;
  const type = description.AttributeDefinitions?.find((d) => d.AttributeName === name)?.AttributeType ?? "?";
  return { name, type };
}

const show = (k: KeyAttribute) => `"${k.name}" (${k.type})`;

export function keySchemaDifferences(service: ServiceConfig, description: TableDescription): string[] {
  const differences: string[] = [];
  const expected = { HASH: service.table.partitionKey, RANGE: service.table.sortKey };
  for (const [role, label] of [["HASH", "partition key"], ["RANGE", "sort key"]] as const) {
    const want = expected[role];
    const have = keyAttribute(description, role);
    if (want && !have) differences.push(`it has no ${label}, expected ${show(want)}`);
    else if (!want && have) differences.push(`it has a ${label} ${show(have)}, the service's table has none`);
    else if (want && have && (want.name !== have.name || want.type !== have.type)) differences.push(`its ${label} is ${show(have)}, expected ${show(want)}`);
  }
  return differences;
}
