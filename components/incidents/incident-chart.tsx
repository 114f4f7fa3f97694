"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

const COLOURS = ["#0369a1", "#b45309", "#047857", "#7c3aed", "#be123c", "#475569"];

/** Deletions per UTC minute, one stacked bar per table. An image to assistive technology: the table beside it holds the same numbers. */
export default function IncidentChart({ data, tables }: { data: { minute: string; counts: Record<string, number> }[]; tables: string[] }) {
  const rows = data.map((d) => ({ minute: d.minute.slice(11, 16), ...d.counts }));
  return (
    <ResponsiveContainer width="100%" height={200}>
      <BarChart accessibilityLayer={false} data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
        <XAxis dataKey="minute" tick={{ fontSize: 11, fill: "#475569" }} interval="preserveStartEnd" minTickGap={16} />
        <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#475569" }} width={48} />
        <Tooltip labelFormatter={(label) => `${String(label)} UTC`} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {tables.map((t, i) => (
          <Bar key={t} dataKey={t} name={t} stackId="deletions" fill={COLOURS[i % COLOURS.length]} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
