"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DataTable } from "@/components/data-table";
import { StatusBadge } from "@/components/status-badge";
import { useTRPC } from "@/components/trpc";
import { ExportsPanel } from "./exports-panel";
import { GenerationPanel } from "./generation-panel";
import { ImportHistory, ImportPanel } from "./import-panel";
import { ResultsPanel } from "./results-panel";

export function StudyView({ studyId }: { studyId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const study = useQuery({
    ...trpc.studies.get.queryOptions({ id: studyId }),
    // While reports are being written the page follows along.
    refetchInterval: (q) => (q.state.data?.status === "DRAFT" ? 2_000 : 10_000),
  });
  const open = useMutation(
    trpc.studies.open.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.studies.get.pathKey() }),
    }),
  );

  if (study.isError) {
    return (
      <main className="p-6">
        <p role="alert" className="rounded-md bg-red-50 p-4 text-red-700">
          {study.error.message}
        </p>
      </main>
    );
  }
  const s = study.data;
  if (!s) return <main className="p-6 text-slate-500">Loading...</main>;

  const ready = s.caseList.filter((c) => c.status === "READY").length;
  const failed = s.caseList.filter((c) => c.status === "FAILED").length;
  return (
    <main className="mx-auto max-w-6xl space-y-8 p-6">
      <div>
        <a href="/admin" className="text-sm text-sky-700 hover:underline">
          ← Studies
        </a>
        <div className="mt-1 flex items-center gap-3">
          <h1 className="text-2xl font-semibold">{s.name}</h1>
          <StatusBadge status={s.status} />
        </div>
        {s.description && <p className="mt-1 max-w-3xl text-slate-600">{s.description}</p>}
        <p className="mt-2 text-sm text-slate-500">
          {s.cases} cases · {s.readers} readers · sources: ground truth,{" "}
          {s.models
            .map((m) => `${m.name} ${m.version}${m.isDemo ? " (demo model, not clinical)" : ""}`)
            .join(", ")}{" "}
          · assignment seed {s.seed}
        </p>
        <p className="mt-1 text-sm text-slate-500" data-testid="design">
          {s.design.type === "crossed"
            ? "Fully crossed"
            : `Split: ${s.design.readersPerCase} readers per case`}{" "}
          ·{" "}
          {s.design.washoutDays > 0
            ? `reports of one image in sessions ${s.design.washoutDays} days apart`
            : `reports of one image at least ${s.design.washoutItems} item${s.design.washoutItems === 1 ? "" : "s"} apart`}{" "}
          · scale {s.design.scale.map((l) => l.level).join("/")} (success{" "}
          {s.successLevels.join("+")}){s.design.allowGoBack ? "" : " · no going back"}
          {s.design.comments ? " · comments" : ""}
          {s.design.errorFlags ? " · error flags" : ""}
        </p>
      </div>

      {s.status === "DRAFT" && (
        <section className="rounded-lg border border-amber-200 bg-amber-50 p-4">
          <p className="text-amber-900">
            Preparing: {ready} of {s.cases} cases have all their reports
            {failed > 0 ? `, ${failed} failed` : ""}.
          </p>
          <div className="mt-2 h-2 overflow-hidden rounded bg-amber-100">
            <div
              className="h-full bg-amber-500"
              style={{ width: `${(100 * (ready + failed)) / Math.max(1, s.cases)}%` }}
            />
          </div>
          <button
            type="button"
            onClick={() => open.mutate({ id: studyId })}
            disabled={open.isPending || ready === 0}
            className="mt-3 rounded-md bg-amber-700 px-4 py-1.5 text-sm font-medium text-white disabled:opacity-50"
          >
            Open now with the {ready} ready cases
          </button>
          {open.isError && <p className="mt-2 text-sm text-red-700">{open.error.message}</p>}
        </section>
      )}

      {s.status === "DRAFT" ? (
        <ImportPanel studyId={studyId} />
      ) : (
        // What was imported stays on view once the study opens (the panel's forms do not).
        <ImportHistory studyId={studyId} title="Imports" />
      )}
      <GenerationPanel studyId={studyId} canRetry={s.status === "DRAFT"} />
      {s.status !== "DRAFT" && <ResultsPanel studyId={studyId} />}
      {s.status !== "DRAFT" && <ExportsPanel studyId={studyId} />}

      <section>
        <h2 className="mb-2 text-lg font-semibold">Readers</h2>
        <DataTable
          columns={["Reader", "Progress", "Finished"]}
          rows={s.readerProgress.map((r) => ({
            key: r.email,
            cells: [
              <>
                {r.name} <span className="text-slate-500">{r.email}</span>
              </>,
              `${r.rated} / ${r.total}`,
              r.finished ? "yes" : "no",
            ],
          }))}
        />
      </section>

      <section>
        <h2 className="mb-2 text-lg font-semibold">Cases</h2>
        <DataTable
          testId="cases"
          columns={[
            { label: "Case", className: "font-mono" },
            "Status",
            { label: "Findings", className: "text-slate-600" },
            { label: "Problem", className: "text-red-700" },
          ]}
          rows={s.caseList.map((c) => ({
            key: c.id,
            cells: [
              c.externalId,
              <StatusBadge key="status" status={c.status} />,
              c.findingTags.length > 0
                ? c.findingTags.join(", ")
                : c.isAbnormal === false
                  ? "normal"
                  : "unlabelled",
              c.problem,
            ],
          }))}
        />
      </section>
    </main>
  );
}
