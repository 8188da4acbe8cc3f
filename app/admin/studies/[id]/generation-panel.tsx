"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc";

function duration(seconds: number | null) {
  if (seconds === null) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Report generation per model, followed live while jobs are pending. */
export function GenerationPanel({ studyId, canRetry }: { studyId: string; canRetry: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const progress = useQuery({
    ...trpc.jobs.progress.queryOptions({ id: studyId }),
    refetchInterval: (q) => (q.state.data?.some((m) => m.queued + m.running > 0) ? 2_000 : 15_000),
  });
  const retry = useMutation(
    trpc.jobs.retryFailed.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.jobs.progress.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.studies.get.pathKey() });
      },
    }),
  );
  if (!progress.data) return null;
  return (
    <section>
      <h2 className="mb-2 text-lg font-semibold">AI report generation</h2>
      <div className="space-y-3">
        {progress.data.map((m) => {
          const total = m.queued + m.running + m.succeeded + m.failed;
          const share = (n: number) => `${total ? (100 * n) / total : 0}%`;
          return (
            <div
              key={`${m.model.name}-${m.model.version}`}
              data-testid="generation"
              className="rounded-lg border border-slate-200 bg-white p-4"
            >
              <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                <span className="font-medium">
                  {m.model.name} {m.model.version}
                </span>
                <span className="text-slate-600">
                  {m.succeeded} done · {m.running} running · {m.queued} queued · {m.failed} failed
                  {m.perSecond !== null ? ` · ${m.perSecond.toFixed(1)} reports/s` : ""}
                  {m.secondsLeft !== null ? ` · about ${duration(m.secondsLeft)} left` : ""}
                </span>
              </div>
              <div className="mt-2 flex h-2 overflow-hidden rounded bg-slate-100" aria-hidden>
                <div className="bg-emerald-600" style={{ width: share(m.succeeded) }} />
                <div className="bg-sky-500" style={{ width: share(m.running) }} />
                <div className="bg-red-500" style={{ width: share(m.failed) }} />
              </div>
              {m.failures.length > 0 && (
                <details className="mt-2 text-sm">
                  <summary className="cursor-pointer text-red-700">
                    {m.failed} failed: reasons
                  </summary>
                  <ul className="mt-1 space-y-0.5">
                    {m.failures.map((f) => (
                      <li key={f.caseId}>
                        <span className="font-mono">{f.caseId}</span> ({f.attempts} attempt
                        {f.attempts === 1 ? "" : "s"}): {f.reason}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </div>
          );
        })}
      </div>
      {canRetry && progress.data.some((m) => m.failed > 0) && (
        <button
          type="button"
          onClick={() => retry.mutate({ id: studyId })}
          disabled={retry.isPending}
          className="mt-3 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100"
        >
          Retry failed
        </button>
      )}
      {retry.isError && <p className="mt-2 text-sm text-red-700">{retry.error.message}</p>}
      {retry.data && (
        <p className="mt-2 text-sm text-slate-600">{retry.data.requeued} job(s) queued again.</p>
      )}
    </section>
  );
}
