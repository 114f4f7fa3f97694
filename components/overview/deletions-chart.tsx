"use client";

import { useRouter } from "next/navigation";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface DayDeletions {
  date: string;
  ttl: number;
  manual: number;
  unknown: number;
}

const shortDate = (date: string) => date.slice(5);

/**
 * `dayHrefs`: where a click on a day's bar leads (its day page, or the report narrowed to
 * it). The chart is an image to assistive technology; the same days are links in the
 * tables beside it.
 */
export default function DeletionsChart({ data, dayHrefs }: { data: DayDeletions[]; dayHrefs?: Record<string, string> }) {
  const router = useRouter();
  const hasUnknown = data.some((d) => d.unknown > 0);
  const open = (entry: unknown) => {
    const date = (entry as { payload?: { date?: unknown } } | undefined)?.payload?.date;
    const href = typeof date === "string" ? dayHrefs?.[date] : undefined;
    if (href) router.push(href);
  };
  const clickable = dayHrefs ? { onClick: open, cursor: "pointer" } : {};
  return (
    <ResponsiveContainer width="100%" height={180}>
      <BarChart accessibilityLayer={false} data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
        <XAxis dataKey="date" tickFormatter={shortDate} tick={{ fontSize: 11, fill: "#475569" }} interval="preserveStartEnd" minTickGap={16} />
        <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#475569" }} width={48} />
        <Tooltip labelFormatter={(label) => `${String(label)} (UTC)`} />
        {/* Recharts colours legend text like its bar; amber text on white is too faint to read. */}
        <Legend wrapperStyle={{ fontSize: 12 }} formatter={(value) => <span style={{ color: "var(--color-chart-text)" }}>{value}</span>} />
        <Bar dataKey="ttl" name="TTL" stackId="deletions" fill="#d97706" isAnimationActive={false} {...clickable} />
        <Bar dataKey="manual" name="Manual" stackId="deletions" fill="#0369a1" isAnimationActive={false} {...clickable} />
        {hasUnknown ? <Bar dataKey="unknown" name="Unknown" stackId="deletions" fill="#94a3b8" isAnimationActive={false} {...clickable} /> : null}
      </BarChart>
    </ResponsiveContainer>
  );
}
