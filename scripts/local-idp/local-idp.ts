import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stopProcessGroup } from "../process-group";
import type { IdTokenFault, LocalIdpClient } from "./protocol";

/**
 * Starts the local OpenID Connect provider (scripts/local-idp/server.ts) as a child
 * process on loopback, in its own process group, and drives its test hooks.
 */

export class LocalIdpError extends Error {
  override name = "LocalIdpError";
}

export interface LocalIdp {
  issuer: string;
  /** The user's groups from their next sign-in on. */
  setGroups(user: string, groups: string[]): Promise<void>;
  /** The next ID token issued to the user is damaged this way. */
  injectFault(user: string, fault: IdTokenFault): Promise<void>;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));

export async function startLocalIdp(options: {
  port: number;
  clients: LocalIdpClient[];
  idTokenSeconds?: number;
  timeoutMs?: number;
  write?: (line: string) => void;
}): Promise<LocalIdp> {
  const args = ["--import", "tsx", SERVER, "--port", String(options.port), "--id-token-seconds", String(options.idTokenSeconds ?? 600)];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LAZARUS_IDP_CLIENTS: JSON.stringify(options.clients), NODE_ENV: "development" },
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new LocalIdpError(`the local identity provider did not start within ${(options.timeoutMs ?? 60_000) / 1000} s:\n${output}`)), options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output = (output + text).slice(-4_000);
      for (const line of text.split("\n")) {
        if (line.trim() && !line.startsWith("oidc-provider WARNING")) options.write?.(`local-idp │ ${line.trimEnd()}`);
        const ready = /^ready (\S+)/.exec(line);
        if (ready) {
          clearTimeout(timer);
          resolve(ready[1] as string);
        }
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (e) => reject(new LocalIdpError(`could not start the local identity provider: ${e.message}`)));
    void exited.then(() => reject(new LocalIdpError(`the local identity provider exited before it was ready:\n${output}`)));
  });

  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${issuer}${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new LocalIdpError(`${method} ${path} answered ${res.status}`);
  };

  return {
    issuer,
    setGroups: (user, groups) => call("PUT", `/__idp/users/${encodeURIComponent(user)}/groups`, { groups }),
    injectFault: (user, fault) => call("POST", "/__idp/faults", { user, fault }),
    stop: () => stopProcessGroup(child, exited, 5_000),
  };
}
