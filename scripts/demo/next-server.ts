import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { stopProcessGroup } from "../process-group";

/**
 * Builds the console with `next build` and serves it with `next start`, each in its own
 * process group so that stopping the demo stops Next's workers too.
 */

export class ConsoleServerError extends Error {
  override name = "ConsoleServerError";
}

export interface ConsoleServer {
  url: string;
  /** Resolves when Next exits, for whatever reason. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 6_000;
const STOP_GRACE_MS = 5_000;
/** What `next build` reads: a build older than any of these may not be the current code. */
const BUILD_INPUTS = ["app", "components", "lib", "public", "instrumentation.ts", "middleware.ts", "proxy.ts", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package.json", "package-lock.json"];

function nextBin(): string {
  return createRequire(import.meta.url).resolve("next/dist/bin/next");
}

interface RunningChild {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Runs `next <args>` with its output passed on line by line behind a label. */
function runNext(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; label: string; write: (line: string) => void }): RunningChild {
  const child = spawn(process.execPath, [nextBin(), ...args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const forward = (stream: NodeJS.ReadableStream | null) => {
    let pending = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-OUTPUT_TAIL_CHARS);
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) options.write(`${options.label} │ ${line.trimEnd()}`);
    });
    stream?.on("end", () => {
      if (pending.trim()) options.write(`${options.label} │ ${pending.trimEnd()}`);
    });
  };
  forward(child.stdout);
  forward(child.stderr);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? null : 0)));
    child.once("error", () => resolve(null));
  });
  const stop = () => stopProcessGroup(child, exited, STOP_GRACE_MS);
  return { child, output: () => tail, exited, stop };
}

/** The child currently building, so that Ctrl-C during a build can stop it. */
let activeBuild: RunningChild | undefined;

export async function stopBuild(): Promise<void> {
  await activeBuild?.stop();
}

export async function buildConsole(options: { cwd: string; env: NodeJS.ProcessEnv; write: (line: string) => void }): Promise<void> {
  const build = runNext(["build"], { ...options, label: "next build" });
  activeBuild = build;
  const spawnError = new Promise<never>((_, reject) =>
    build.child.once("error", (e) => reject(new ConsoleServerError(`could not run next build: ${e.message}`))),
  );
  try {
    const code = await Promise.race([build.exited, spawnError]);
    if (code !== 0) throw new ConsoleServerError(`next build failed (exit ${code ?? "by signal"}); its output is above`);
  } finally {
    activeBuild = undefined;
  }
}

/**
 * Why a production build in .next cannot be reused, or undefined when it can: there is
 * none, or a source file is newer than it.
 */
export function staleBuildReason(cwd: string): string | undefined {
  const buildId = join(cwd, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return "there is no production build in .next yet";
  const builtAt = statSync(buildId).mtimeMs;
  const newer = BUILD_INPUTS.map((p) => newestFile(join(cwd, p))).find((f) => f && f.mtimeMs > builtAt);
  return newer ? `${newer.path.slice(cwd.length + 1)} changed after the last build` : undefined;
}

function newestFile(path: string): { path: string; mtimeMs: number } | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (!stat.isDirectory()) return { path, mtimeMs: stat.mtimeMs };
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const found = newestFile(join(path, entry));
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}

export async function assertPortFree(host: string, port: number, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new ConsoleServerError(`port ${port} on ${host} is already in use. Choose another with ${flag}.`) : e),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

export async function startConsole(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  host: string;
  port: number;
  write: (line: string) => void;
  timeoutMs?: number;
}): Promise<ConsoleServer> {
  await assertPortFree(options.host, options.port, "--port or PORT");
  const server = runNext(["start", "--port", String(options.port), "--hostname", options.host], { ...options, label: "next" });
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let hasExited = false;
  void server.exited.then(() => (hasExited = true));
  while (!hasExited) {
    try {
      // Any answer will do (a redirect to sign-in, a 404): the server is taking requests.
      await fetch(`${url}/`, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
      return { url, exited: server.exited, stop: server.stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new ConsoleServerError(`next start did not answer ${url} within ${(options.timeoutMs ?? 60_000) / 1_000} s:\n${server.output()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new ConsoleServerError(`next start exited before it answered:\n${server.output()}`);
}
