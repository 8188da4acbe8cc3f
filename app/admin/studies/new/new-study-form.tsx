"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ReaderPicker } from "@/components/reader-picker";
import { useTRPC } from "@/components/trpc";
import { RATING_SCALE } from "@/server/reading/scale";

type Level = "A" | "B" | "C" | "D";

/** A draft study: who reads, which models write the AI reports; cases are imported next. */
export function NewStudyForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const options = useQuery(trpc.studies.formOptions.queryOptions());
  const [readerIds, setReaderIds] = useState<string[]>([]);
  const [modelIds, setModelIds] = useState<string[]>([]);
  const [split, setSplit] = useState(false);
  const [levelCount, setLevelCount] = useState(4);
  const [scale, setScale] = useState<{ level: Level; label: string; anchor: string }[]>(
    RATING_SCALE.map(({ level, label, anchor }) => ({ level, label, anchor })),
  );
  const [success, setSuccess] = useState<Level[]>(["A", "B"]);
  const levels = scale.slice(0, levelCount);
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
          const inScale = (l: Level) => levels.some((s) => s.level === l);
          create.mutate({
            name: String(form.get("name") ?? ""),
            description: String(form.get("description") ?? ""),
            readerIds,
            modelIds,
            openWhenReady: form.get("openWhenReady") === "on",
            successLevels: success.filter(inScale),
            stringentLevels: ["A"],
            design: {
              type: split ? "split" : "crossed",
              readersPerCase: Number(form.get("readersPerCase") ?? 2),
              washoutItems: Number(form.get("washoutItems") ?? 1),
              washoutDays: Number(form.get("washoutDays") ?? 0),
              allowGoBack: form.get("allowGoBack") === "on",
              comments: form.get("comments") === "on",
              errorFlags: form.get("errorFlags") === "on",
              scale: levels,
            },
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
        <ReaderPicker
          legend="Readers"
          readers={options.data?.readers}
          chosen={readerIds}
          onChange={setReaderIds}
        />
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
        <fieldset className="space-y-2 text-sm">
          <legend className="font-medium">Design</legend>
          <div className="flex flex-wrap items-center gap-4">
            <label className="flex items-center gap-2">
              <input type="radio" name="type" checked={!split} onChange={() => setSplit(false)} />
              Fully crossed: every reader rates every report
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" name="type" checked={split} onChange={() => setSplit(true)} />
              Split: each case to
              <input
                name="readersPerCase"
                type="number"
                min={1}
                max={100}
                defaultValue={2}
                disabled={!split}
                aria-label="Readers per case"
                className="w-16 rounded border border-slate-300 px-2 py-0.5"
              />
              readers
            </label>
          </div>
          <label className="flex items-center gap-2">
            Keep the reports of one image at least
            <input
              name="washoutItems"
              type="number"
              min={1}
              max={1000}
              defaultValue={1}
              aria-label="Washout in items"
              className="w-16 rounded border border-slate-300 px-2 py-0.5"
            />
            other items apart
          </label>
          <label className="flex items-center gap-2">
            or read them in separate sessions
            <input
              name="washoutDays"
              type="number"
              min={0}
              max={365}
              defaultValue={0}
              aria-label="Washout in days"
              className="w-16 rounded border border-slate-300 px-2 py-0.5"
            />
            days apart (0: one session)
          </label>
          <div className="flex flex-wrap gap-4">
            <label className="flex items-center gap-2">
              <input type="checkbox" name="allowGoBack" defaultChecked />
              Readers may go back and change ratings
            </label>
            <label className="flex items-center gap-2">
              <input type="checkbox" name="comments" defaultChecked />
              Ask for a comment
            </label>
            <label className="flex items-center gap-2">
              <input type="checkbox" name="errorFlags" defaultChecked />
              Ask for error flags
            </label>
          </div>
        </fieldset>
        <fieldset className="space-y-2 text-sm">
          <legend className="font-medium">Rating scale</legend>
          <label className="flex items-center gap-2">
            Levels
            <select
              value={levelCount}
              onChange={(e) => setLevelCount(Number(e.target.value))}
              className="rounded border border-slate-300 px-2 py-0.5"
            >
              <option value={2}>2 (A-B)</option>
              <option value={3}>3 (A-C)</option>
              <option value={4}>4 (A-D)</option>
            </select>
          </label>
          {levels.map((l, i) => (
            <div key={l.level} className="grid grid-cols-[2rem_1fr_2fr_auto] items-center gap-2">
              <span className="font-semibold">{l.level}</span>
              <input
                value={l.label}
                aria-label={`Label of ${l.level}`}
                onChange={(e) =>
                  setScale(scale.map((x, j) => (j === i ? { ...x, label: e.target.value } : x)))
                }
                className="rounded border border-slate-300 px-2 py-1"
              />
              <input
                value={l.anchor}
                aria-label={`Anchor of ${l.level}`}
                onChange={(e) =>
                  setScale(scale.map((x, j) => (j === i ? { ...x, anchor: e.target.value } : x)))
                }
                className="rounded border border-slate-300 px-2 py-1"
              />
              <label className="flex items-center gap-1">
                <input
                  type="checkbox"
                  checked={success.includes(l.level)}
                  onChange={() =>
                    setSuccess((v) =>
                      v.includes(l.level) ? v.filter((x) => x !== l.level) : [...v, l.level],
                    )
                  }
                />
                success
              </label>
            </div>
          ))}
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
