"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc";

const FORMATS = [
  { format: "csv", label: "Ratings (CSV)" },
  { format: "jsonl", label: "Ratings (JSON Lines)" },
  { format: "bundle", label: "Analysis bundle (zip)" },
] as const;

export function ExportsPanel({ studyId }: { studyId: string }) {
  const trpc = useTRPC();
  const records = useQuery({
    ...trpc.exports.list.queryOptions({ id: studyId }),
    refetchInterval: 15_000,
  });
  return (
    <section>
      <h2 className="mb-1 text-lg font-semibold">Exports</h2>
      <p className="mb-3 text-sm text-slate-600">
        Unblinded: these files name the source of every report. Each download is recorded with who
        and when.
      </p>
      <div className="flex flex-wrap gap-2">
        {FORMATS.map((f) => (
          <a
            key={f.format}
            href={`/api/v1/studies/${studyId}/export?format=${f.format}`}
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100"
            download
          >
            {f.label}
          </a>
        ))}
      </div>
      {records.data && records.data.length > 0 && (
        <table
          data-testid="export-records"
          className="mt-3 w-full rounded-lg border border-slate-200 bg-white text-sm"
        >
          <thead className="bg-slate-100 text-left text-slate-600">
            <tr>
              <th className="px-4 py-1.5">When (UTC)</th>
              <th className="px-4 py-1.5">Who</th>
              <th className="px-4 py-1.5">How</th>
              <th className="px-4 py-1.5">Format</th>
            </tr>
          </thead>
          <tbody>
            {records.data.map((r) => (
              <tr
                key={`${r.createdAt}-${r.actor}-${r.format}`}
                className="border-t border-slate-100"
              >
                <td className="px-4 py-1.5">{r.createdAt.replace("T", " ").slice(0, 19)}</td>
                <td className="px-4 py-1.5">{r.actor}</td>
                <td className="px-4 py-1.5">{r.channel}</td>
                <td className="px-4 py-1.5">{r.format}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
