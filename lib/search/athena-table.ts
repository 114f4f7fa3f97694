/**
 * The Glue table Athena reads sealed bundles through, shared by the CDK stack (which
 * creates it) and the SQL the console sends (which must name its partitions the same way).
 *
 * Bundles live at `{prefix}{service}/{yyyy}/{mm}/_sealed/{dd}/part-….jsonl.gz`. A date
 * projection can only fill a path with one formatted date, and `_sealed` sits between the
 * month and the day, so the date is two projected columns: `month` (`yyyy/MM`, a date
 * projection by month) and `dd` (`01`…`31`, an enum). Every partition is a folder of one
 * day's bundles; the `_manifest.json` and `_rows-*.json` beside them are skipped by Athena
 * (names starting with `_`).
 */
export const ATHENA_PARTITIONS = { service: "service", month: "month", day: "dd" } as const;

/** The one column: a whole bundle line, which is one archive object as JSON. */
export const ATHENA_LINE_COLUMN = "line";

/** The first month the projection enumerates: older archives are not expected. */
export const ATHENA_PROJECTION_START = "2015/01";

export const DAYS_OF_MONTH = Array.from({ length: 31 }, (_, i) => String(i + 1).padStart(2, "0"));

/** `s3://{bucket}/{prefix}${service}/${month}/_sealed/${dd}/`, the template Athena fills per partition. */
export function athenaLocationTemplate(bucket: string, prefix: string): string {
  const p = ATHENA_PARTITIONS;
  return `s3://${bucket}/${prefix}\${${p.service}}/\${${p.month}}/_sealed/\${${p.day}}/`;
}

/** The table properties that make Athena compute partitions instead of reading them from a catalog or a crawler. */
export function athenaProjectionParameters(bucket: string, prefix: string, services: readonly string[]): Record<string, string> {
  const p = ATHENA_PARTITIONS;
  return {
    "projection.enabled": "true",
    [`projection.${p.service}.type`]: "enum",
    [`projection.${p.service}.values`]: services.join(","),
    [`projection.${p.month}.type`]: "date",
    [`projection.${p.month}.format`]: "yyyy/MM",
    [`projection.${p.month}.range`]: `${ATHENA_PROJECTION_START},NOW`,
    [`projection.${p.month}.interval`]: "1",
    [`projection.${p.month}.interval.unit`]: "MONTHS",
    [`projection.${p.day}.type`]: "enum",
    [`projection.${p.day}.values`]: DAYS_OF_MONTH.join(","),
    "storage.location.template": athenaLocationTemplate(bucket, prefix),
  };
}
