"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";

/** A draft study: who reads, which models write the AI reports; cases are imported next. */
export function NewStudyForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const options = useQuery(trpc.studies.formOptions.queryOptions());
  const [readerIds, setReaderIds] = useState<string[]>([]);
  const [modelIds, setModelIds] = useState<string[]>([]);
  const create = useMutation(
    trpc.studies.create.mutationOptions({
      onSuccess: (study) => router.push(`/admin/studies/${study.id}`),
    }),
  );
  const toggle = (list: string[], id: string) =>
    list.includes(id) ? list.filter((x) => x !== id) : [...list, id];

  return (
    <main className="mx-auto max-w-3xl space-y-6 p-6">
      <a href="/admin" className="text-sm text-sky-700 hover:underline">
        ← Studies
      </a>
      <h1 className="text-2xl font-semibold">New study</h1>
      <form
        className="space-y-5 rounded-lg border border-slate-200 bg-white p-5"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          create.mutate({
            name: String(form.get("name") ?? ""),
            description: String(form.get("description") ?? ""),
            readerIds,
            modelIds,
            openWhenReady: form.get("openWhenReady") === "on",
          });
        }}
      >
        <label className="block">
          <span className="text-sm font-medium">Name</span>
          <input
            name="name"
            required
            maxLength={200}
            className="mt-1 w-full rounded border border-slate-300 px-3 py-2"
          />
        </label>
        <label className="block">
          <span className="text-sm font-medium">Description (optional)</span>
          <textarea
            name="description"
            rows={2}
            className="mt-1 w-full rounded border border-slate-300 px-3 py-2"
          />
        </label>
        <fieldset>
          <legend className="text-sm font-medium">Readers</legend>
          {options.data?.readers.length === 0 && (
            <p className="text-sm text-slate-500">
              No readers yet: create them with <code>npx blindread users create --role reader</code>
              .
            </p>
          )}
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {options.data?.readers.map((r) => (
              <label key={r.id} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={readerIds.includes(r.id)}
                  onChange={() => setReaderIds(toggle(readerIds, r.id))}
                />
                {r.name} <span className="text-slate-500">{r.email}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend className="text-sm font-medium">Models that write the AI reports</legend>
          <p className="text-sm text-slate-500">
            None is needed when the dataset brings its own AI reports.
          </p>
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {options.data?.models.map((m) => (
              <label key={m.id} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={modelIds.includes(m.id)}
                  onChange={() => setModelIds(toggle(modelIds, m.id))}
                />
                {m.name} {m.version}
                {m.isDemo ? <span className="text-amber-700">(demo, not clinical)</span> : null}
              </label>
            ))}
          </div>
        </fieldset>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="openWhenReady" />
          Open for reading by itself once every case has all its reports
        </label>
        {create.isError && (
          <p role="alert" className="text-sm text-red-700">
            {create.error.message}
          </p>
        )}
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded-md bg-sky-700 px-4 py-2 font-medium text-white disabled:opacity-50"
        >
          Create draft study
        </button>
      </form>
    </main>
  );
}
