import { spawn, type ChildProcess } from "node:child_process";

/**
 * Runs one of the tests/support step scripts in a process of its own until it prints
 * "at <step>", then kills it with SIGKILL, as a crash or a Lambda timeout would.
 * Tests that run at once each make their own, so a clean-up only touches its own children.
 */
export class StepKiller {
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly what: string) {}

  async killAt(script: string, args: string[], step: string): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", script, ...args], {
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (d: Buffer) => {
        if (d.toString().includes(`at ${step}`)) resolve();
      });
      child.on("exit", (code) => reject(new Error(`${this.what} exited (${code}) before ${step}: ${stderr}`)));
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** For a test's end: a process a failed test left running. */
  cleanUp(): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
