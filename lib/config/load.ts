import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { z } from "zod";
import { configSchema, type LazarusConfig, type ServiceConfig } from "./schema";

export const DEFAULT_CONFIG_FILE = "lazarus.config.json";

export class ConfigError extends Error {
  override name = "ConfigError";
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === "number") return `${out}[${part}]`;
    return out ? `${out}.${String(part)}` : String(part);
  }, "");
}

export function formatConfigIssues(source: string, error: z.ZodError): string {
  const lines = error.issues.map((i) => `  - ${formatPath(i.path) || "(root)"}: ${i.message}`);
  return `Invalid Lazarus config in ${source}:\n${lines.join("\n")}`;
}

/** Parses an already-read config value; throws a ConfigError naming every bad field. */
export function parseConfig(value: unknown, source = "config"): LazarusConfig {
  const result = configSchema.safeParse(value);
  if (!result.success) throw new ConfigError(formatConfigIssues(source, result.error));
  return result.data;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(/*turbopackIgnore: true*/ env.LAZARUS_CONFIG ?? DEFAULT_CONFIG_FILE);
}

export function loadConfigFile(path: string): LazarusConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`Cannot read Lazarus config ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`Lazarus config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseConfig(json, path);
}

let cached: { path: string; config: LazarusConfig } | undefined;

/** The config named by LAZARUS_CONFIG (default ./lazarus.config.json), read once per process. */
export function loadConfig(): LazarusConfig {
  const path = configPath();
  if (cached?.path !== path) cached = { path, config: loadConfigFile(path) };
  return cached.config;
}

/** Looks a service up by name; names from requests must go through here, never straight into S3 or DynamoDB. */
export function findService(config: LazarusConfig, name: string): ServiceConfig | undefined {
  return config.services.find((s) => s.name === name);
}
