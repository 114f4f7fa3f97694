import type { DrillReport } from "./drill-report";

/**
 * Who else wants to know a drill finished (alerts on a failed drill, say). Listeners
 * run after the report is stored; one that throws is logged and never fails the drill.
 */
export type DrillFinishedListener = (report: DrillReport) => Promise<void> | void;

const listeners = new Set<DrillFinishedListener>();

/** Returns the function that removes the listener. */
export function onDrillFinished(listener: DrillFinishedListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function notifyDrillFinished(report: DrillReport): Promise<void> {
  for (const listener of listeners) {
    try {
      await listener(report);
    } catch (error) {
      console.error(JSON.stringify({ message: "drill listener failed", drillId: report.id, error: error instanceof Error ? error.name : "error" }));
    }
  }
}
