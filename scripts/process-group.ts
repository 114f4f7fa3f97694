import type { ChildProcess } from "node:child_process";

/**
 * Stops a child started in its own process group (`detached: true`) with everything it
 * started: SIGTERM to the group, SIGKILL after `graceMs` if it has not exited by then.
 * Resolves once `exited` does; returns at once if the child is already gone.
 */
export async function stopProcessGroup(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
