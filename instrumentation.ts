/** Runs once when the server starts: a bad config or sign-in variable stops it here, naming the field, not on the first request. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { loadConfig } = await import("./lib/config/load");
    const { readAuthEnv } = await import("./lib/auth/env");
    loadConfig();
    readAuthEnv();
  }
}
