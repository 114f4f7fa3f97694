import type { ArchivedDeletion } from "../archive/archive-object";
import { keyValueText, type KeyValue } from "../archive/attribute-value";
import type { ServiceConfig } from "../config/schema";

/**
 * The live item's key under the service's key schema, taken from the archived image
 * (the item a restore writes), or why the archive cannot provide it.
 */
export function tableKeyOf(service: ServiceConfig, deletion: ArchivedDeletion): Record<string, KeyValue> | string {
  const key: Record<string, KeyValue> = {};
  for (const attribute of [service.table.partitionKey, service.table.sortKey]) {
    if (!attribute) continue;
    const value = deletion.oldImage[attribute.name];
    const type = value ? Object.keys(value)[0] : undefined;
    if (!value || type !== attribute.type) return `its item has no ${attribute.type} attribute "${attribute.name}", which the table's key needs`;
    const recorded = deletion.keys[attribute.name];
    if (recorded && JSON.stringify(recorded) !== JSON.stringify(value)) return `its item and its stream record disagree on the key attribute "${attribute.name}"`;
    key[attribute.name] = value as KeyValue;
  }
  return key;
}

/** "PK" or "PK / SK", for lists and CSV files. */
export function tableKeyText(service: ServiceConfig, key: Record<string, KeyValue>): string {
  const text = (name: string) => {
    const value = key[name];
    return value ? keyValueText(value) : "";
  };
  const pk = text(service.table.partitionKey.name);
  return service.table.sortKey ? `${pk} / ${text(service.table.sortKey.name)}` : pk;
}
