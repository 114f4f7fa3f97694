import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { stopProcessGroup } from "../process-group";

/**
 * Starts moto_server on loopback in its own process group. moto_server is usually a
 * pyenv shim whose real server is a child process, so stopping means signalling the group.
 */
export interface MotoServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export class MotoServerError extends Error {
  override name = "MotoServerError";
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new MotoServerError(`moto_server exited with code ${child.exitCode} before it was ready:\n${output()}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new MotoServerError(`moto_server did not answer ${endpoint}/moto-api/ within ${timeoutMs} ms:\n${output()}`);
}

/** moto's server with less work per request (moto-server.py), run by the python3 that has moto. */
const QUIETER_SERVER = fileURLToPath(new URL("./moto-server.py", import.meta.url));
let pythonHasMoto: boolean | undefined;

/**
 * LAZARUS_MOTO_SERVER when set; else moto-server.py when `python3` can import moto's server;
 * else `moto_server` as installed (a pipx or virtualenv install that python3 does not see).
 */
function defaultCommand(): string {
  if (process.env.LAZARUS_MOTO_SERVER) return process.env.LAZARUS_MOTO_SERVER;
  pythonHasMoto ??=
    spawnSync("python3", ["-c", "import importlib.util as u, sys; sys.exit(0 if u.find_spec('moto') and u.find_spec('flask') else 1)"], {
      stdio: "ignore",
    }).status === 0;
  return pythonHasMoto ? QUIETER_SERVER : "moto_server";
}

export async function startMotoServer(options: { port?: number; host?: string; command?: string; timeoutMs?: number } = {}): Promise<MotoServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort());
  const command = options.command ?? defaultCommand();
  const child = spawn(command, ["-H", host, "-p", String(port)], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-4_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const spawnError = new Promise<never>((_, reject) =>
    child.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new MotoServerError(
          e.code === "ENOENT"
            ? `moto_server was not found on PATH. Install it with: pip install "moto[server]"`
            : `could not start moto_server: ${e.message}`,
        ),
      ),
    ),
  );
  const endpoint = `http://${host}:${port}`;
  const stop = () => stopProcessGroup(child, new Promise<void>((r) => child.once("exit", () => r())), 3_000);
  try {
    await Promise.race([waitUntilReady(endpoint, child, options.timeoutMs ?? 30_000, () => log), spawnError]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, port, stop };
}
