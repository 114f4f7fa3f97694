import { findService } from "../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../lib/config/schema";

/** The options every archive command shares: which services it works on. */
export const SERVICE_OPTIONS = {
  service: { type: "string", multiple: true },
  all: { type: "boolean", default: false },
} as const;

/** `--service NAME ...` or `--all`, exactly one of them; an unknown name fails with the configured ones. */
export function selectServices(config: LazarusConfig, values: { service?: string[]; all?: boolean }, fail: (message: string) => never): ServiceConfig[] {
  const names = values.service ?? [];
  if (Boolean(values.all) === names.length > 0) fail("name services with --service, or pass --all (not both)");
  if (values.all) return config.services;
  return names.map((name) => findService(config, name) ?? fail(`unknown service "${name}"; configured: ${config.services.map((s) => s.name).join(", ")}`));
}
