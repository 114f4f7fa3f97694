import { describe, expect, it } from "vitest";
import { toAthenaSql } from "./athena-sql";
import { contentSearchSchema, type ContentSearchInput } from "./content-query";
import { compileConditions } from "./predicate";

const target = { database: "lazarus", table: "sealed_deletions" };
const sqlOf = (input: Partial<ContentSearchInput>) => {
  const query = contentSearchSchema.parse({ from: "2024-03-05T10:30Z", to: "2024-03-05T10:45Z", ...input });
  return toAthenaSql(query, compileConditions(query.conditions), target);
};

describe("Athena SQL from the shared predicate", () => {
  it("binds every user value as a parameter, in order, and writes none into the SQL", () => {
    const hostile = "x' OR '1'='1";
    const { sql, parameters } = sqlOf({
      services: ["usr-contact-svc"],
      deletionType: "manual",
      conditions: [{ path: 'we"ird\'.name', op: "equals", value: hostile, caseInsensitive: true }],
    });
    expect(sql.split("?").length - 1).toBe(parameters.length);
    expect(sql).not.toContain("usr-contact-svc");
    expect(sql).not.toContain("OR '1'");
    expect(sql).not.toContain("weird");
    expect(sql).toMatch(/^SELECT line, "\$path" AS path FROM "lazarus"."sealed_deletions"\nWHERE service IN \(\?\)\n {2}AND month = \? AND dd BETWEEN \? AND \?/);
    expect(parameters.slice(0, 7)).toEqual(["'usr-contact-svc'", "'2024/03'", "'05'", "'05'", "'2024-03-05T10:30:00.000Z'", "'2024-03-05T10:45:59.999Z'", "'manual'"]);
    // Case-insensitive: the value is bound lower-cased, its quotes doubled inside the literal.
    expect(parameters).toContain("'x'' or ''1''=''1'");
    expect(parameters).toContain(`'$.record.dynamodb.OldImage["we\\"ird''"].M["name"].S'`);
    expect(sql).toContain("lower(json_extract_scalar(line, ?)) = ?");
  });

  it("has a clause for each operator, lists by index, and no clause to cut the answer short", () => {
    const { sql, parameters } = sqlOf({
      conditions: [
        { path: "status", op: "beginsWith", value: "OPEN" },
        { path: "lines[0].sku", op: "contains", value: "SKU" },
        { path: "balance", op: "numberRange", min: "12345678901234567890123456789012345678" },
        { path: "note", op: "exists" },
        { path: "updatedAt", op: "dateRange", from: "2024-01-01" },
      ],
    });
    expect(sql).toContain("starts_with(json_extract_scalar(line, ?), ?)");
    expect(sql).toContain("strpos(json_extract_scalar(line, ?), ?) > 0");
    expect(sql).toContain(">= TRY_CAST(? AS DOUBLE)");
    expect(sql).toContain("json_extract(line, ?) IS NOT NULL");
    expect(parameters).toContain(`'$.record.dynamodb.OldImage["lines"].L[0].M["sku"].S'`);
    expect(parameters).toContain("'12345678901234567890123456789012345678'");
    expect(sql).not.toMatch(/LIMIT/);
  });

  it("reads only the partitions of the window's days, across a month's end too", () => {
    const query = contentSearchSchema.parse({ from: "2024-02-27T00:00Z", to: "2024-03-02T23:59Z" });
    const { sql, parameters } = toAthenaSql(query, [], target);
    expect(sql).toContain("month BETWEEN ? AND ? AND concat(month, '/', dd) BETWEEN ? AND ?");
    expect(parameters.slice(0, 4)).toEqual(["'2024/02'", "'2024/03'", "'2024/02/27'", "'2024/03/02'"]);
  });

  it("refuses database and table names that are not identifiers", () => {
    const query = contentSearchSchema.parse({ from: "2024-03-05T10:30Z", to: "2024-03-05T10:45Z" });
    expect(() => toAthenaSql(query, [], { database: 'x"; DROP', table: "t" })).toThrow();
  });
});
