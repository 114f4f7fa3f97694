import type { ExportFormat, ExportItems } from "@/lib/exports/export-format";

const LABELS: Record<ExportItems, string> = {
  none: "No",
  typed: "As DynamoDB JSON (typed, as archived)",
  plain: "As plain JSON (numbers with every digit)",
};

/** Whether a JSON Lines export carries each deleted item, and in which form (docs/REPORTS.md, "Items"). */
export function ExportItemsChoice({ value, onChange, disabled, name }: { value: ExportItems; onChange: (items: ExportItems) => void; disabled: boolean; name: string }) {
  return (
    <fieldset className="flex flex-wrap gap-x-4 gap-y-1">
      <legend className="mb-1 text-sm font-medium">Deleted items in each line</legend>
      {(Object.keys(LABELS) as ExportItems[]).map((items) => (
        <label key={items} className="flex items-center gap-2 text-sm">
          <input type="radio" name={name} value={items} checked={value === items} onChange={() => onChange(items)} disabled={disabled} />
          {LABELS[items]}
        </label>
      ))}
    </fieldset>
  );
}

/** CSV or JSON Lines, for every export form. */
export function ExportFormatChoice({ value, onChange, disabled, name }: { value: ExportFormat; onChange: (format: ExportFormat) => void; disabled: boolean; name: string }) {
  return (
    <fieldset className="flex flex-wrap gap-4">
      <legend className="mb-1 text-sm font-medium">Format</legend>
      {(["csv", "jsonl"] as const).map((f) => (
        <label key={f} className="flex items-center gap-2 text-sm">
          <input type="radio" name={name} value={f} checked={value === f} onChange={() => onChange(f)} disabled={disabled} />
          {f === "csv" ? "CSV" : "JSON Lines"}
        </label>
      ))}
    </fieldset>
  );
}
