import Link from "next/link";
import type { Check, FactValue, ProtectionReport, ServiceProtection } from "@/lib/protection/protection-types";
import { CopyButton } from "@/components/ui/copy-button";
import { spokenLight, TrafficLight } from "./traffic-light";
import { FixButton } from "./fix-button";

export function protectionHref(service: string): string {
  return `/protection/${encodeURIComponent(service)}`;
}

function factText(value: FactValue): string {
  if (value === null) return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

/** The fleet at a glance: one row per service, one light per check. */
/**
 * `canReplayDlq`: the DLQ light links to the failed batches page (admins), else to the
 * service's own DLQ check; every other light links to its check on the service's page.
 */
export function ProtectionTable({ report, canReplayDlq = false }: { report: ProtectionReport; canReplayDlq?: boolean }) {
  const checkIds = report.services[0]?.checks.map((c) => ({ id: c.id, label: c.label })) ?? [];
  return (
    // Focusable so a keyboard can scroll the table on a narrow screen.
    <div role="region" aria-label="Protection by service" tabIndex={0} className="overflow-x-auto rounded-md ring-1 ring-slate-200">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">Protection of each service&apos;s table</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-semibold">
              Service / table
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Overall
            </th>
            {checkIds.map((c) => (
              <th key={c.id} scope="col" className="px-3 py-2 font-semibold">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200">
          {report.services.map((service) => (
            <tr key={service.service} data-service={service.service}>
              <th scope="row" className="px-3 py-2 align-top font-normal">
                <Link href={protectionHref(service.service)} className="font-medium text-indigo-700 underline-offset-2 hover:underline">
                  {service.service}
                </Link>
                <div className="font-mono text-xs text-slate-600">{service.table}</div>
              </th>
              <td className="px-3 py-2 align-top">
                <TrafficLight light={service.status} />
              </td>
              {service.checks.map((check) => (
                <td key={check.id} className="px-3 py-2 align-top">
                  <Link
                    href={check.id === "dlq" && canReplayDlq ? "/dlq" : `${protectionHref(service.service)}#check-${check.id}`}
                    className="inline-block rounded hover:bg-slate-100"
                    aria-label={`${check.label}: ${spokenLight(check.status, check.summary)}${check.id === "dlq" && canReplayDlq ? " (open the failed batches)" : ""}`}
                  >
                    <TrafficLight light={check.status} label={check.summary} />
                  </Link>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CheckDetail({ service, check, canFix }: { service: ServiceProtection; check: Check; canFix: boolean }) {
  return (
    <section aria-labelledby={`check-${check.id}`} className="space-y-3 rounded-md p-4 ring-1 ring-slate-200" data-check={check.id}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`check-${check.id}`} tabIndex={-1} className="text-lg font-semibold text-slate-950">
          {check.label}
        </h2>
        <TrafficLight light={check.status} label={check.status === "unknown" ? undefined : check.summary} />
      </div>
      {check.error ? <p className="text-sm text-slate-800">Could not check: {check.error}</p> : null}
      {check.facts.length > 0 ? (
        <dl className="grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
          {check.facts.map((fact) => (
            <div key={fact.label} className="contents">
              <dt className="text-slate-600">{fact.label}</dt>
              <dd className="font-mono break-all text-slate-900">{factText(fact.value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {check.findings.map((finding, i) => (
        <div key={i} className={finding.severity === "red" ? "space-y-2 rounded-md border-l-4 border-red-600 bg-red-50 p-3" : "space-y-2 rounded-md border-l-4 border-amber-500 bg-amber-50 p-3"}>
          <p className="text-sm text-slate-900">
            <strong>{finding.severity === "red" ? "At risk: " : "Needs attention: "}</strong>
            {finding.why}
          </p>
          <p className="text-sm text-slate-900">
            <strong>Fix: </strong>
            {finding.fix}
          </p>
          {finding.command ? (
            <div className="space-y-1">
              <pre className="rounded bg-slate-900 p-2 text-xs break-all whitespace-pre-wrap text-slate-50">
                <code>{finding.command}</code>
              </pre>
              <CopyButton text={finding.command} label="Copy command" />
            </div>
          ) : null}
          {finding.consoleFix && canFix ? <FixButton service={service.service} table={service.table} fix={finding.consoleFix} checkHeadingId={`check-${check.id}`} /> : null}
        </div>
      ))}
    </section>
  );
}

export function ServiceProtectionDetail({ service, canFix }: { service: ServiceProtection; canFix: boolean }) {
  return (
    <div className="space-y-4">
      <p className="flex items-center gap-2 text-sm text-slate-700">
        Overall: <TrafficLight light={service.status} /> <span className="font-mono">{service.table}</span>
      </p>
      {service.checks.map((check) => (
        <CheckDetail key={check.id} service={service} check={check} canFix={canFix} />
      ))}
    </div>
  );
}
