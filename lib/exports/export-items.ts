import "server-only";
import type { AttributeMap } from "../archive/attribute-value";
import { toPlainJson } from "../archive/plain-json";
import type { ExportItems } from "./export-format";

/**
 * A deleted item as a JSON Lines cell (JSON text, written into the line as it is):
 * typed DynamoDB JSON as archived, or plain JSON whose numbers keep every digit
 * (docs/REPORTS.md, "Items"). "null" when the item could not be read.
 */
export function itemCell(image: AttributeMap | undefined, items: Exclude<ExportItems, "none">): string {
  if (!image) return "null";
  return items === "typed" ? JSON.stringify(image) : toPlainJson(image, 0);
}
