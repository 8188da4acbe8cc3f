"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ChartFrame, ForestPlot, HeatMap, StackedLevels } from "@/components/charts";
import { DataTable } from "@/components/data-table";
import { useTRPC } from "@/components/trpc";
import type { StudyResults } from "@/server/results/schema";

type Interval = { estimate: number | null; lower: number | null; upper: number | null };

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
const ci = (p: Interval) =>
  p.estimate === null ? "–" : `${pct(p.estimate)} [${pct(p.lower)}, ${pct(p.upper)}]`;
const num = (x: number | null, digits = 2) => (x === null ? "–" : x.toFixed(digits));
const numCi = (p: Interval) =>
  p.estimate === null ? "–" : `${num(p.estimate)} [${num(p.lower)}, ${num(p.upper)}]`;
const pValue = (p: number | null) => (p === null ? "–" : p < 0.001 ? "< 0.001" : p.toFixed(3));
const signedPct = (x: number | null) =>
  x === null ? "–" : `${x > 0 ? "+" : ""}${(x * 100).toFixed(1)}`;
const SOURCE_COLOURS = ["#334155", "#0369a1", "#7c3aed", "#db2777"];

/** Rows of plain values, keyed by position (they are recomputed, never reordered). */
function Table({ head, rows, testId }: { head: string[]; rows: ReactNode[][]; testId?: string }) {
  return (
    <DataTable
      columns={head}
      rows={rows.map((cells, i) => ({ key: String(i), cells }))}
      testId={testId}
    />
  );
}

export function ResultsPanel({ studyId }: { studyId: string }) {
  const trpc = useTRPC();
  const results = useQuery({
    ...trpc.results.get.queryOptions({ id: studyId }),
    refetchInterval: 30_000,
  });
  const r = results.data;
  if (results.isError) return <p className="text-red-700">{results.error.message}</p>;
  if (!r) return <section className="text-slate-500">Computing results...</section>;
  return <Results r={r} />;
}

function Results({ r }: { r: StudyResults }) {
  const [agreementSource, setAgreementSource] = useState(0);
  const source = r.sources[agreementSource] ?? r.sources[0]!;
  const readers = r.sources[0]?.perReader.map((p) => p.reader) ?? [];
  const kappaOf = (a: number, b: number) => {
    const [x, y] = [readers[a]!, readers[b]!].sort();
    return (
      source.readerPairs.find((p) => p.readerA === x && p.readerB === y)?.quadratic.estimate ?? null
    );
  };

  return (
    <section className="space-y-6">
      <div>
        <h2 className="text-lg font-semibold">Results</h2>
        <p className="text-sm text-slate-600">
          {r.totalRatings} ratings. Success is {r.scale.success.join(" or ")}; stringent is{" "}
          {r.scale.stringent.join(" or ")}. Intervals are 95%: Wilson treats ratings as independent
          (as the reference study did); the crossed bootstrap resamples readers and cases (
          {r.bootstrap.replicates} replicates, seed {r.bootstrap.seed}
          ); MRMC is the U-statistic variance of Gallas (2007).
        </p>
      </div>
      {r.totalRatings === 0 && (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-slate-600">
          No ratings yet. Results appear here as readers rate.
        </p>
      )}

      <Table
        testId="results"
        head={[
          "Source",
          "Ratings",
          "A / B / C / D",
          "Success (Wilson)",
          "Success (crossed bootstrap)",
          "Success (MRMC)",
          "Stringent A (Wilson)",
        ]}
        rows={r.sources.map((s) => [
          s.label,
          s.ratings,
          `${s.counts.A} / ${s.counts.B} / ${s.counts.C} / ${s.counts.D}`,
          ci(s.success),
          ci(s.successCrossed),
          ci(s.successMrmc),
          ci(s.stringent),
        ])}
      />

      <div className="grid gap-4 lg:grid-cols-2">
        <ChartFrame title="Ratings per source" filename="ratings-per-source">
          <StackedLevels
            rows={r.sources.map((s) => ({
              label: s.label,
              counts: [s.counts.A, s.counts.B, s.counts.C, s.counts.D],
            }))}
          />
        </ChartFrame>
        <ChartFrame title="Success rate per reader (Wilson 95%)" filename="success-per-reader">
          <ForestPlot
            groupColours={Object.fromEntries(
              r.sources.map((s, i) => [s.label, SOURCE_COLOURS[i % SOURCE_COLOURS.length]!]),
            )}
            rows={r.sources.flatMap((s) =>
              s.perReader.map((p) => ({
                label: `${p.reader} · ${p.name}`,
                group: s.label,
                ...p.success,
              })),
            )}
          />
        </ChartFrame>
      </div>

      {r.comparisons.length > 0 && (
        <div>
          <h3 className="mb-2 font-semibold">
            AI against the original reports (paired reader x case cells)
          </h3>
          <Table
            testId="comparisons"
            head={[
              "Source",
              "Pairs",
              "Difference, points [crossed 95%]",
              "Stringent difference",
              "MRMC difference",
              "McNemar p",
              "Cochran's Q (p)",
              "Rated at least as well",
            ]}
            rows={r.comparisons.map((c) => [
              c.label,
              c.versus,
              c.pairs,
              `${signedPct(c.difference.estimate)} [${signedPct(c.difference.lower)}, ${signedPct(c.difference.upper)}]`,
              `${signedPct(c.differenceStringent.estimate)} [${signedPct(c.differenceStringent.lower)}, ${signedPct(c.differenceStringent.upper)}]`,
              `${signedPct(c.differenceMrmc.estimate)} [${signedPct(c.differenceMrmc.lower)}, ${signedPct(c.differenceMrmc.upper)}]`,
              pValue(c.mcnemar.pValue),
              `${num(c.cochranQ.statistic)} (${pValue(c.cochranQ.pValue)})`,
              ci(c.atLeastAsGood),
            ])}
          />
        </div>
      )}

      <div>
        <div className="mb-2 flex items-center gap-3">
          <h3 className="font-semibold">Agreement between readers</h3>
          <select
            aria-label="Source for agreement"
            className="rounded border border-slate-300 px-2 py-1 text-sm"
            value={agreementSource}
            onChange={(e) => setAgreementSource(Number(e.target.value))}
          >
            {r.sources.map((s, i) => (
              <option key={s.label} value={i}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="grid gap-4 lg:grid-cols-2">
          <Table
            testId="agreement"
            head={["Statistic", "Estimate [bootstrap 95%]"]}
            rows={[
              ["Raw agreement", numCi(source.agreement.rawAgreement)],
              ["Fleiss' kappa", numCi(source.agreement.fleissKappa)],
              ["Gwet's AC1", numCi(source.agreement.gwetAC1)],
              ["Krippendorff's alpha, nominal", numCi(source.agreement.krippendorffAlphaNominal)],
              ["Krippendorff's alpha, ordinal", numCi(source.agreement.krippendorffAlphaOrdinal)],
              ...source.agreement.notes.map((n) => ["Note", n]),
            ]}
          />
          {readers.length > 1 && (
            <ChartFrame
              title="Quadratic-weighted Cohen's kappa, reader pairs"
              filename="agreement-heat-map"
            >
              <HeatMap labels={readers} value={kappaOf} />
            </ChartFrame>
          )}
        </div>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <div>
          <h3 className="mb-2 font-semibold">Success per case group</h3>
          <Table
            testId="groups"
            head={["Source", "Group", "Success (Wilson)", "n"]}
            rows={r.sources.flatMap((s) => s.groups.map((g) => [s.label, g.group, ci(g), g.n]))}
          />
        </div>
        <div>
          <h3 className="mb-2 font-semibold">Time per item (active)</h3>
          <Table
            head={["Source", "Items timed", "Median", "Middle half"]}
            rows={r.sources.map((s) => [
              s.label,
              s.timeMs.n,
              s.timeMs.median === null ? "–" : `${(s.timeMs.median / 1000).toFixed(1)} s`,
              s.timeMs.p25 === null
                ? "–"
                : `${(s.timeMs.p25 / 1000).toFixed(1)}–${((s.timeMs.p75 ?? 0) / 1000).toFixed(1)} s`,
            ])}
          />
        </div>
      </div>

      <div>
        <h3 className="mb-2 font-semibold">Ratings per reader</h3>
        <Table
          testId="per-reader"
          head={["Reader", ...r.sources.map((s) => `${s.label}: A/B/C/D · success`)]}
          rows={readers.map((reader, i) => [
            `${reader} · ${r.sources[0]!.perReader[i]!.name}`,
            ...r.sources.map((s) => {
              const p = s.perReader[i]!;
              return `${p.counts.join(" / ")} · ${ci(p.success)}`;
            }),
          ])}
        />
      </div>
    </section>
  );
}
