"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc";
import type { StudyResults } from "@/server/results/schema";

type Proportion = StudyResults["sources"][number]["success"];

function formatRate(p: Proportion) {
  if (p.estimate === null) return "no ratings";
  const pct = (x: number | null) => `${((x ?? 0) * 100).toFixed(1)}%`;
  return `${pct(p.estimate)} [${pct(p.lower)}, ${pct(p.upper)}]`;
}

const LEVEL_COLOURS = {
  A: "bg-emerald-600",
  B: "bg-lime-500",
  C: "bg-amber-500",
  D: "bg-red-600",
} as const;

export function ResultsPanel({ studyId }: { studyId: string }) {
  const trpc = useTRPC();
  const results = useQuery({
    ...trpc.results.get.queryOptions({ id: studyId }),
    refetchInterval: 10_000,
  });
  const r = results.data;
  if (!r) return <section className="text-slate-500">Loading results...</section>;

  return (
    <section>
      <h2 className="mb-2 text-lg font-semibold">Results</h2>
      {r.totalRatings === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-slate-600">
          No ratings yet. Results appear here as readers rate.
        </p>
      ) : null}
      <table
        data-testid="results"
        className="w-full rounded-lg border border-slate-200 bg-white text-sm"
      >
        <thead className="bg-slate-100 text-left text-slate-600">
          <tr>
            <th className="px-4 py-2">Source</th>
            <th className="px-4 py-2 text-right">Ratings</th>
            <th className="px-4 py-2">A / B / C / D</th>
            <th className="px-4 py-2">Success A+B [95% CI]</th>
            <th className="px-4 py-2">Stringent A [95% CI]</th>
          </tr>
        </thead>
        <tbody>
          {r.sources.map((s) => (
            <tr key={s.label} className="border-t border-slate-100 align-top">
              <td className="px-4 py-2 font-medium">{s.label}</td>
              <td className="px-4 py-2 text-right">{s.ratings}</td>
              <td className="px-4 py-2">
                <div className="flex h-3 w-40 overflow-hidden rounded bg-slate-100" aria-hidden>
                  {(["A", "B", "C", "D"] as const).map((level) => (
                    <div
                      key={level}
                      className={LEVEL_COLOURS[level]}
                      style={{ width: `${s.ratings ? (100 * s.counts[level]) / s.ratings : 0}%` }}
                    />
                  ))}
                </div>
                <div className="mt-1 text-xs text-slate-600">
                  {s.counts.A} / {s.counts.B} / {s.counts.C} / {s.counts.D}
                </div>
              </td>
              <td className="px-4 py-2" data-testid="success">
                {formatRate(s.success)}
              </td>
              <td className="px-4 py-2">{formatRate(s.stringent)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-1 text-xs text-slate-500">
        Wilson 95% intervals, treating ratings as independent (as the reference study did).
      </p>

      <h3 className="mt-6 mb-2 font-semibold">Success rate per reader (A+B)</h3>
      <table
        data-testid="per-reader"
        className="w-full rounded-lg border border-slate-200 bg-white text-sm"
      >
        <thead className="bg-slate-100 text-left text-slate-600">
          <tr>
            <th className="px-4 py-2">Reader</th>
            {r.sources.map((s) => (
              <th key={s.label} className="px-4 py-2">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {r.sources[0]?.perReader.map((reader, i) => (
            <tr key={reader.reader} className="border-t border-slate-100">
              <td className="px-4 py-2">
                {reader.reader} · {reader.name}
              </td>
              {r.sources.map((s) => (
                <td key={s.label} className="px-4 py-2">
                  {s.perReader[i] ? formatRate(s.perReader[i].success) : ""}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
