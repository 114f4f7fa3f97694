"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface DrillPoint {
  /** ISO start time of the drill. */
  at: string;
  seconds: number | null;
  passed: boolean;
}

const shortDate = (iso: string) => iso.slice(5, 10);

/** One measure (RTO or RPO) over a service's drills, with its limit drawn when there is one. */
export default function DrillTrendChart({ data, name, color, limitSeconds }: { data: DrillPoint[]; name: string; color: string; limitSeconds?: number }) {
  return (
    <ResponsiveContainer width="100%" height={160}>
      <LineChart accessibilityLayer={false} data={data} margin={{ top: 4, right: 8, bottom: 0, left: -8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
        <XAxis dataKey="at" tickFormatter={shortDate} tick={{ fontSize: 11, fill: "#475569" }} interval="preserveStartEnd" minTickGap={16} />
        <YAxis tick={{ fontSize: 11, fill: "#475569" }} width={56} unit=" s" />
        <Tooltip labelFormatter={(label) => `${String(label).replace("T", " ").slice(0, 19)} UTC`} formatter={(value) => [`${String(value)} s`, name]} />
        {limitSeconds !== undefined ? <ReferenceLine y={limitSeconds} stroke="#dc2626" strokeDasharray="4 4" ifOverflow="extendDomain" /> : null}
        <Line type="monotone" dataKey="seconds" name={name} stroke={color} strokeWidth={2} dot={{ r: 3 }} connectNulls={false} isAnimationActive={false} />
      </LineChart>
    </ResponsiveContainer>
  );
}
