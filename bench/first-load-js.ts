import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { table } from "./harness";

const NEXT_DIR = ".next";

function clientManifests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return clientManifests(path);
    return name === "page_client-reference-manifest.js" ? [path] : [];
  });
}

function sizes(file: string): { raw: number; gzip: number } {
  const bytes = readFileSync(join(NEXT_DIR, file));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/**
 * First-load JS per page: Next 16 no longer prints it, so it is added up from the
 * build's manifests: the root chunks every page loads plus the chunks the page's
 * client reference manifest names. Chunks loaded later (next/dynamic) are not counted.
 */
export function benchFirstLoadJs(): string {
  const build = spawnSync("npx", ["next", "build"], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (build.status !== 0) throw new Error(`next build failed (exit ${build.status})`);
  const rootFiles: string[] = JSON.parse(readFileSync(join(NEXT_DIR, "build-manifest.json"), "utf8")).rootMainFiles;
  const rows: Array<Record<string, string | number>> = [];
  for (const manifestPath of clientManifests(join(NEXT_DIR, "server", "app"))) {
    if (manifestPath.includes(`${join("app", "api")}`)) continue;
    const scope = { __RSC_MANIFEST: {} as Record<string, { entryJSFiles: Record<string, string[]> }> };
    new Function("globalThis", readFileSync(manifestPath, "utf8"))(scope);
    const [route, manifest] = Object.entries(scope.__RSC_MANIFEST)[0] ?? [];
    if (!route || !manifest) continue;
    const files = new Set(rootFiles);
    for (const list of Object.values(manifest.entryJSFiles)) for (const file of list) if (file.endsWith(".js")) files.add(file);
    let raw = 0;
    let gzip = 0;
    for (const file of files) {
      const s = sizes(file);
      raw += s.raw;
      gzip += s.gzip;
    }
    const page = route.replace(/\/page$/, "") || "/";
    if (page.startsWith("/_")) continue;
    rows.push({ page, "JS kB": (raw / 1024).toFixed(1), "gzip kB": (gzip / 1024).toFixed(1), files: files.size });
  }
  rows.sort((a, b) => String(a.page).localeCompare(String(b.page)));
  const shared = rootFiles.reduce((sum, f) => sum + sizes(f).gzip, 0);
  return `### First-load JS per page (next build)\n\n${table(rows)}\n\nshared by every page: ${(shared / 1024).toFixed(1)} kB gzip`;
}
