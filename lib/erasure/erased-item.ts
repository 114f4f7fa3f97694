import "server-only";
import type { KeyValue } from "../archive/attribute-value";
import { parsePastedLine, type ResolvedSelection } from "../bulk-restore/selection";
import type { PlanItem, Selection } from "../bulk-restore/job-types";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { subjectKeyFor } from "./erasure-plan";
import { erasureKeyHash } from "./ledger-format";
import { recordLocation } from "./record-location";

/**
 * How job state names an item whose key is erased: the ledger's hash of its key and the
 * record's location (day folder and record id), never the key text or the object name
 * that contains it. Bulk-restore plans, runs and erasures all write it this way.
 */
export function erasedItemView(
  config: LazarusConfig,
  service: ServiceConfig,
  item: { archiveKey: string; key: Record<string, KeyValue> | null },
  keyHash: string | null = null,
): { archiveKey: string; keyText: string } {
  const partition = item.key?.[service.table.partitionKey.name];
  const hash = keyHash ?? (partition ? erasureKeyHash(service.name, partition) : null);
  return { archiveKey: recordLocation(config, service.name, item.archiveKey), keyText: hash ? `erased (key hash ${hash})` : "erased" };
}

/**
 * A bulk restore's inputs as its job file keeps them, without keys the ledger has
 * erased: archive object names of erased items (their names hold the key) and pasted
 * lines, unresolved inputs or a filter's key prefix naming an erased key (one with no
 * restorable item left) are left out or named by hash. What the operator typed is not written back into
 * state beside the archive after the subject asked to be forgotten.
 */
export function withoutErasedInputs(
  service: ServiceConfig,
  selection: Selection,
  resolved: ResolvedSelection,
  items: PlanItem[],
  erasures: ReadonlyMap<string, unknown>,
): { selection: Selection; unresolved: ResolvedSelection["unresolved"] } {
  const restorable = new Set(
    items.flatMap((item) => {
      const pk = item.category !== "erased" ? item.key?.[service.table.partitionKey.name] : undefined;
      return pk ? [erasureKeyHash(service.name, pk)] : [];
    }),
  );
  const erasedHashOf = (line: string): string | null => {
    const pasted = parsePastedLine(line);
    const key = pasted ? subjectKeyFor(service, pasted.partitionKey) : null;
    const hash = key ? erasureKeyHash(service.name, key) : null;
    return hash && erasures.has(hash) && !restorable.has(hash) ? hash : null;
  };
  const erasedObjects = new Set(resolved.archiveKeys.filter((_, i) => items[i]?.category === "erased"));
  return {
    selection:
      selection.kind === "archive-keys"
        ? { ...selection, archiveKeys: selection.archiveKeys.filter((k) => !erasedObjects.has(k)) }
        : selection.kind === "pasted-keys"
          ? { ...selection, text: selection.text.split("\n").filter((line) => erasedHashOf(line) === null).join("\n") }
          : selection.prefix && erasedHashOf(selection.prefix)
            ? // A key prefix that is an erased key, typed in full, is that key's text.
              { ...selection, prefix: `erased (key hash ${erasedHashOf(selection.prefix)})` }
            : selection,
    unresolved: resolved.unresolved.map((u) => {
      const hash = erasedHashOf(u.input);
      return hash ? { input: `erased (key hash ${hash})`, reason: "this key was erased from the archive" } : u;
    }),
  };
}
