/**
 * Runs once when the server starts: a bad config or sign-in variable stops it here,
 * naming the field, not on the first request. Then bulk-restore jobs left running by a
 * stopped server are taken over.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { loadConfig } = await import("./lib/config/load");
    const { readAuthEnv } = await import("./lib/auth/env");
    const config = loadConfig();
    readAuthEnv();
    const { startOrphanSweep } = await import("./lib/bulk-restore/startup-sweep");
    startOrphanSweep(config);
  }
}
