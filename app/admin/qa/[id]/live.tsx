"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useTRPC } from "@/components/trpc";

/** Re-renders the dashboard every half minute, so counts and alerts stay current. */
export function AutoRefresh({ seconds = 30 }: { seconds?: number }) {
  const router = useRouter();
  useEffect(() => {
    const timer = setInterval(() => router.refresh(), seconds * 1000);
    return () => clearInterval(timer);
  }, [router, seconds]);
  return null;
}

/** Switches the version that writes reports for cases sent without one. */
export function ServedVersionForm({
  auditId,
  modelName,
  current,
}: {
  auditId: string;
  modelName: string;
  current: string | null;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const options = useQuery(trpc.studies.formOptions.queryOptions());
  const versions = (options.data?.models ?? []).filter((m) => m.name === modelName);
  const [choice, setChoice] = useState("");
  const set = useMutation(trpc.qa.setModel.mutationOptions({ onSuccess: () => router.refresh() }));
  if (versions.length === 0) return null;
  return (
    <form
      className="flex flex-wrap items-center gap-2 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        set.mutate({ id: auditId, modelId: choice || null });
      }}
    >
      <label className="flex items-center gap-2">
        Version writing reports on request
        <select
          value={choice}
          onChange={(e) => setChoice(e.target.value)}
          className="rounded border border-slate-300 px-2 py-1"
        >
          <option value="">None</option>
          {versions.map((m) => (
            <option key={m.id} value={m.id}>
              {m.version}
              {m.version === current ? " (current)" : ""}
            </option>
          ))}
        </select>
      </label>
      <button
        type="submit"
        disabled={set.isPending}
        className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100"
      >
        Change
      </button>
      {set.error && <span className="text-red-700">{set.error.message}</span>}
    </form>
  );
}
