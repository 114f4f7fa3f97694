import type { PathSegment } from "./attribute-path";
import { windowBounds, type ContentSearch } from "./content-query";
import type { CompiledCondition } from "./predicate";
import { ATHENA_PARTITIONS } from "./athena-table";

/**
 * A content search as Athena SQL over the sealed bundles: a table with one column `line`
 * (each bundle line is one archive object) partitioned by `service`, `month` (`yyyy/MM`)
 * and `dd` (projected; see athena-table.ts). Built from the same compiled conditions as the local engine,
 * one case per operator (the switch is exhaustive, so a new operator cannot be forgotten).
 *
 * Every value a user typed, attribute paths included, is an execution parameter (`?`),
 * never part of the SQL text; only the database and table names (from the config) are
 * written into it. Numbers are filtered as DOUBLE,
 * which keeps every exact match (rounding is monotonic) and may keep a few more: the
 * console evaluates the returned lines with the shared predicate, which compares
 * DynamoDB numbers exactly, so SQL narrows and the predicate decides.
 */

export interface ParameterizedSql {
  sql: string;
  /** Athena ExecutionParameters: SQL literals, in the order of the `?` they fill. */
  parameters: string[];
}

/** An Athena execution parameter is a literal: a string is quoted, its quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The JSONPath of an attribute inside the archive object's old image; names quoted, so any name is safe. */
export function imagePath(path: readonly PathSegment[]): string {
  return `$.record.dynamodb.OldImage${path
    .map((s, i) => {
      if (s.kind === "name") return `${i === 0 ? "" : ".M"}["${s.name.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"]`;
      return s.kind === "index" ? `.L[${s.index}]` : ".L[*]";
    })
    .join("")}`;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,127}$/;

export function toAthenaSql(query: ContentSearch, conditions: readonly CompiledCondition[], target: { database: string; table: string }): ParameterizedSql {
  if (!IDENTIFIER.test(target.database) || !IDENTIFIER.test(target.table)) throw new Error("the Athena database and table names must be lower-case identifiers");
  const parameters: string[] = [];
  const param = (literal: string) => {
    parameters.push(literal);
    return "?";
  };
  const text = (value: string) => param(sqlString(value));
  const where: string[] = [];
  const { start, end } = windowBounds(query);
  if (query.services !== "all") where.push(`service IN (${query.services.map((s) => text(s)).join(", ")})`);
  // Partitions are read only for the window's days: plain comparisons on the projected columns, which Athena prunes by.
  const [firstMonth, firstDay] = [start.toISOString().slice(0, 7).replace("-", "/"), start.toISOString().slice(8, 10)];
  const [lastMonth, lastDay] = [end.toISOString().slice(0, 7).replace("-", "/"), end.toISOString().slice(8, 10)];
  const { month, day } = ATHENA_PARTITIONS;
  if (firstMonth === lastMonth) where.push(`${month} = ${text(firstMonth)} AND ${day} BETWEEN ${text(firstDay)} AND ${text(lastDay)}`);
  else where.push(`${month} BETWEEN ${text(firstMonth)} AND ${text(lastMonth)} AND concat(${month}, '/', ${day}) BETWEEN ${text(`${firstMonth}/${firstDay}`)} AND ${text(`${lastMonth}/${lastDay}`)}`);
  where.push(`from_iso8601_timestamp(json_extract_scalar(line, '$.deletedAt')) BETWEEN from_iso8601_timestamp(${text(start.toISOString())}) AND from_iso8601_timestamp(${text(end.toISOString())})`);
  if (query.deletionType !== "any") where.push(`json_extract_scalar(line, '$.deletionType') = ${text(query.deletionType)}`);

  for (const condition of conditions) {
    if (condition.path.some((s) => s.kind === "any")) {
      // [*] has no JSONPath Athena evaluates; the line is kept and the predicate decides.
      continue;
    }
    const at = imagePath(condition.path);
    const scalar = (tag: string) => `json_extract_scalar(line, ${text(`${at}.${tag}`)})`;
    const array = (tag: string) => `CAST(json_extract(line, ${text(`${at}.${tag}`)}) AS ARRAY(VARCHAR))`;
    switch (condition.op) {
      case "exists":
        where.push(`json_extract(line, ${text(at)}) IS NOT NULL`);
        break;
      case "equals":
      case "beginsWith":
      case "contains": {
        const fold = (x: string) => (condition.caseInsensitive ? `lower(${x})` : x);
        const test = (x: string) =>
          condition.op === "equals" ? `${fold(x)} = ${text(condition.value)}` : condition.op === "beginsWith" ? `starts_with(${fold(x)}, ${text(condition.value)})` : `strpos(${fold(x)}, ${text(condition.value)}) > 0`;
        const alternatives = [test(scalar("S")), `any_match(${array("SS")}, e -> ${test("e")})`];
        if (condition.bytes) alternatives.push(`${scalar("B")} IS NOT NULL`, `${array("BS")} IS NOT NULL`);
        if (condition.op === "equals") {
          alternatives.push(`TRY_CAST(${scalar("N")} AS DOUBLE) = TRY_CAST(${text(condition.value)} AS DOUBLE)`);
          alternatives.push(`any_match(${array("NS")}, e -> TRY_CAST(e AS DOUBLE) = TRY_CAST(${text(condition.value)} AS DOUBLE))`);
          alternatives.push(`CAST(json_extract(line, ${text(`${at}.BOOL`)}) AS VARCHAR) = ${text(condition.value)}`);
        }
        where.push(`(${alternatives.join(" OR ")})`);
        break;
      }
      case "numberRange": {
        const bounds = (x: string) =>
          [condition.min !== undefined ? `${x} >= TRY_CAST(${text(condition.min)} AS DOUBLE)` : null, condition.max !== undefined ? `${x} <= TRY_CAST(${text(condition.max)} AS DOUBLE)` : null]
            .filter((b) => b !== null)
            .join(" AND ");
        where.push(`((${bounds(`TRY_CAST(${scalar("N")} AS DOUBLE)`)}) OR any_match(${array("NS")}, e -> ${bounds("TRY_CAST(e AS DOUBLE)")}))`);
        break;
      }
      case "dateRange": {
        // Text dates and epoch seconds: both kept by a loose test, the predicate decides.
        where.push(`(${scalar("S")} IS NOT NULL OR ${scalar("N")} IS NOT NULL)`);
        break;
      }
    }
  }
  // No LIMIT: SQL keeps a superset, so the console pages through the results and stops at the cap after the predicate.
  // "$path" names the bundle a line came from: the console keeps only lines of parts its day's manifest lists.
  const sql = `SELECT line, "$path" AS path FROM "${target.database}"."${target.table}"\nWHERE ${where.join("\n  AND ")}`;
  return { sql, parameters };
}
