"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import { useActiveTime } from "@/components/use-active-time";
import { RATING_SCALE, type RatingLevelValue } from "@/server/reading/scale";

const KEY_TO_LEVEL: Record<string, RatingLevelValue> = {
  "1": "A",
  "2": "B",
  "3": "C",
  "4": "D",
  a: "A",
  b: "B",
  c: "C",
  d: "D",
};

export function Reader({ studyToken }: { studyToken: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [position, setPosition] = useState<number | undefined>(undefined);
  const [selected, setSelected] = useState<RatingLevelValue | null>(null);
  const [showHelp, setShowHelp] = useState(false);

  const itemQuery = useQuery(trpc.reading.get.queryOptions({ studyToken, position }));
  const item = itemQuery.data;
  const activeTimeOf = useActiveTime(item?.itemToken);

  useEffect(() => {
    setSelected(item?.rating ?? null);
  }, [item?.itemToken, item?.rating]);

  // The next item's report and image are fetched ahead, so moving on paints at once.
  const hasNext = item !== undefined && item.position < item.total;
  const nextQuery = useQuery({
    ...trpc.reading.get.queryOptions({ studyToken, position: (item?.position ?? 0) + 1 }),
    enabled: hasNext,
  });
  const nextImage = hasNext ? nextQuery.data?.imageUrl : undefined;
  useEffect(() => {
    if (nextImage) new Image().src = nextImage;
  }, [nextImage]);

  // Where the reader is now: a save that completes after they moved on must not move them.
  const shownToken = useRef<string | undefined>(undefined);
  shownToken.current = item?.itemToken;

  const rate = useMutation(
    trpc.reading.rate.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.reading.get.pathKey() }),
    }),
  );
  const finish = useMutation(
    trpc.reading.finish.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.reading.get.pathKey() }),
    }),
  );

  const save = useCallback(() => {
    if (!item || !selected || !item.canChange || rate.isPending) return;
    const { itemToken, position: ratedPosition, total } = item;
    rate.mutate(
      { itemToken, level: selected, activeMs: activeTimeOf(itemToken) },
      {
        onSuccess: (result) => {
          if (shownToken.current !== itemToken) return;
          if (ratedPosition < total) setPosition(ratedPosition + 1);
          else if (result.rated < result.total) setPosition(undefined);
        },
      },
    );
  }, [item, selected, rate, activeTimeOf]);

  const go = useCallback(
    (delta: number) => {
      if (!item) return;
      const target = item.position + delta;
      if (target >= 1 && target <= item.total) setPosition(target);
    },
    [item],
  );

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "?") {
        setShowHelp((v) => !v);
      } else if (key === "escape") {
        setShowHelp(false);
      } else if (KEY_TO_LEVEL[key] && item?.canChange) {
        setSelected(KEY_TO_LEVEL[key]);
      } else if (key === "enter") {
        event.preventDefault();
        save();
      } else if (key === "arrowright") {
        go(1);
      } else if (key === "arrowleft") {
        go(-1);
      } else {
        return;
      }
      event.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [item, save, go]);

  if (itemQuery.isError) {
    return (
      <main className="p-6">
        <p role="alert" className="rounded-md bg-red-50 p-4 text-red-700">
          {itemQuery.error.message}
        </p>
        <a href="/read" className="mt-4 inline-block text-sky-700 underline">
          Back to your reading lists
        </a>
      </main>
    );
  }
  if (!item) return <main className="p-6 text-slate-500">Loading...</main>;

  const allRated = item.rated === item.total;
  return (
    <main className="flex min-h-0 flex-1">
      <section className="flex min-w-0 flex-1 items-center justify-center bg-black">
        <img
          key={item.imageUrl}
          src={item.imageUrl}
          alt={`Chest radiograph, item ${item.position}`}
          className="max-h-full max-w-full object-contain"
          draggable={false}
        />
      </section>
      <aside className="flex w-[28rem] flex-col border-l border-slate-200 bg-white">
        <div className="border-b border-slate-200 px-5 py-3">
          <div className="flex items-center justify-between text-sm">
            <span data-testid="progress" className="font-medium">
              {item.position} of {item.total}
            </span>
            <span className="text-slate-500">
              {item.rated} rated{!item.canChange ? " · finished" : ""}
            </span>
          </div>
          <div className="mt-2 h-1.5 overflow-hidden rounded bg-slate-100">
            <div
              className="h-full bg-sky-600"
              style={{ width: `${(100 * item.rated) / item.total}%` }}
            />
          </div>
        </div>
        <div className="flex-1 overflow-y-auto px-5 py-4">
          <h2 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">
            Report
          </h2>
          <div data-testid="report" className="leading-relaxed whitespace-pre-line">
            {item.report}
          </div>
        </div>
        <div className="border-t border-slate-200 px-5 py-4">
          <div className="mb-2 flex items-center justify-between">
            <h2 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
              Acceptability
            </h2>
            <button
              type="button"
              onClick={() => setShowHelp((v) => !v)}
              className="text-xs text-sky-700"
            >
              Scale definitions (?)
            </button>
          </div>
          <div role="radiogroup" aria-label="Acceptability" className="space-y-1.5">
            {RATING_SCALE.map((s) => (
              <button
                key={s.level}
                type="button"
                role="radio"
                aria-checked={selected === s.level}
                disabled={!item.canChange}
                onClick={() => setSelected(s.level)}
                className={`flex w-full items-center gap-3 rounded-md border px-3 py-2 text-left text-sm ${
                  selected === s.level
                    ? "border-sky-700 bg-sky-50 ring-1 ring-sky-700"
                    : "border-slate-300 hover:bg-slate-50"
                } disabled:opacity-60`}
              >
                <span className="w-5 font-semibold">{s.level}</span>
                <span className="flex-1">{s.label}</span>
                <kbd className="rounded border border-slate-300 px-1.5 text-xs text-slate-500">
                  {s.key}
                </kbd>
              </button>
            ))}
          </div>
          {rate.isError && (
            <p role="alert" className="mt-2 text-sm text-red-700">
              Not saved: {rate.error.message}
            </p>
          )}
          <div className="mt-3 flex gap-2">
            <button
              type="button"
              onClick={() => go(-1)}
              disabled={item.position <= 1}
              className="rounded-md border border-slate-300 px-3 py-2 text-sm disabled:opacity-40"
              aria-label="Previous item"
            >
              ←
            </button>
            <button
              type="button"
              onClick={save}
              disabled={!selected || !item.canChange || rate.isPending}
              className="flex-1 rounded-md bg-sky-700 px-4 py-2 text-sm font-medium text-white hover:bg-sky-800 disabled:opacity-50"
            >
              {rate.isPending ? "Saving..." : "Save and next (Enter)"}
            </button>
            <button
              type="button"
              onClick={() => go(1)}
              disabled={item.position >= item.total}
              className="rounded-md border border-slate-300 px-3 py-2 text-sm disabled:opacity-40"
              aria-label="Next item"
            >
              →
            </button>
          </div>
          {allRated && item.canChange && (
            <div className="mt-3 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900">
              <p>All {item.total} items are rated. You can still go back and change ratings.</p>
              <button
                type="button"
                onClick={() => finish.mutate({ studyToken })}
                disabled={finish.isPending}
                className="mt-2 rounded-md bg-emerald-700 px-4 py-1.5 font-medium text-white hover:bg-emerald-800"
              >
                Finish study
              </button>
            </div>
          )}
          {!item.canChange && (
            <p className="mt-3 rounded-md bg-slate-100 p-3 text-sm text-slate-700">
              You have finished this study. Thank you; your ratings are final.{" "}
              <a href="/read" className="text-sky-700 underline">
                Back to your lists
              </a>
            </p>
          )}
        </div>
      </aside>
      {showHelp && (
        <div
          role="dialog"
          aria-label="Rating scale"
          className="fixed inset-0 z-10 flex items-center justify-center bg-black/50"
          onClick={() => setShowHelp(false)}
        >
          <div className="max-w-lg rounded-lg bg-white p-6 shadow-xl">
            <h2 className="mb-3 text-lg font-semibold">Acceptability scale</h2>
            <p className="mb-3 text-sm text-slate-600">
              Centred on referable abnormalities: findings that need further examination,
              consultation or follow-up.
            </p>
            <dl className="space-y-2 text-sm">
              {RATING_SCALE.map((s) => (
                <div key={s.level}>
                  <dt className="font-semibold">
                    {s.level} ({s.key}) · {s.label}
                  </dt>
                  <dd className="text-slate-600">{s.anchor}</dd>
                </div>
              ))}
            </dl>
            <p className="mt-4 text-xs text-slate-500">
              Keys: 1-4 or A-D select · Enter saves and moves on · ← → move · ? toggles this help
            </p>
          </div>
        </div>
      )}
    </main>
  );
}
