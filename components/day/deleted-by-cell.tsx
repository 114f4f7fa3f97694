import type { DeletedByCell } from "@/lib/attribution/day-attribution";

/** The day table's "Deleted by" text; the record page says more (docs/ATTRIBUTION.md). */
export function deletedByText(cell: DeletedByCell | undefined): { text: string; title: string } {
  if (!cell) return { text: "—", title: "Not looked up" };
  switch (cell.state) {
    case "found":
      return cell.confidence === "exact"
        ? { text: cell.label, title: `${cell.label}, with ${cell.api}` }
        : { text: `${cell.label} (inferred)`, title: `${cell.label}, with ${cell.api}; the call did not show the key` };
    case "ttl":
      return { text: "DynamoDB TTL", title: "Expired by DynamoDB's time to live" };
    case "pending":
      return { text: "Not yet known", title: "CloudTrail delivers data events within minutes" };
    case "no-event":
      return cell.reason === "trail-off"
        ? { text: "Trail off", title: "Attribution was off when this item was deleted" }
        : cell.reason === "replicated"
          ? { text: "Another region", title: "A global table replica: the delete was most likely made in another region" }
          : { text: "No matching call", title: "The trail has no delete naming this key at that time" };
  }
}
