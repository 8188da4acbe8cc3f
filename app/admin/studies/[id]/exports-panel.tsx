"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc";
import { DataTable } from "@/components/data-table";

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
        <div className="mt-3">
          <DataTable
            testId="export-records"
            columns={["When (UTC)", "Who", "How", "Format"]}
            rows={records.data.map((r) => ({
              key: `${r.createdAt}-${r.actor}-${r.format}`,
              cells: [r.createdAt.replace("T", " ").slice(0, 19), r.actor, r.channel, r.format],
            }))}
          />
        </div>
      )}
    </section>
  );
}
