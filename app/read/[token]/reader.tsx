"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTRPC, useTRPCClient } from "@/components/trpc";
import { useActiveTime } from "@/components/use-active-time";
import { ERROR_FLAGS } from "@/server/reading/schema";
import {
  listPending,
  newIdempotencyKey,
  putPending,
  removePending,
  type PendingRating,
} from "./pending-ratings";
import { Viewer, WINDOW_PRESETS } from "./viewer";

type Level = "A" | "B" | "C" | "D";
type Flag = (typeof ERROR_FLAGS)[number];

const KEY_TO_LEVEL: Record<string, Level> = {
  "1": "A",
  "2": "B",
  "3": "C",
  "4": "D",
  a: "A",
  b: "B",
  c: "C",
  d: "D",
};

const FLAG_LABELS: Record<Flag, string> = {
  omission: "Omission",
  false_finding: "False finding",
  wrong_location: "Wrong location",
  wrong_severity: "Wrong severity or size",
  other: "Other",
};

/**
 * A definite refusal of this rating (invalid, not the reader's, finished or closed): resending
 * cannot help. Anything else (no answer, signed out, server trouble) keeps it for later.
 */
function isRefusal(error: unknown): boolean {
  const status =
    error instanceof TRPCClientError ? (error.data?.httpStatus as number | undefined) : undefined;
  return status === 400 || status === 403 || status === 404 || status === 409;
}

export function Reader({ studyToken }: { studyToken: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [position, setPosition] = useState<number | undefined>(undefined);
  const [selected, setSelected] = useState<Level | null>(null);
  const [comment, setComment] = useState("");
  const [flags, setFlags] = useState<Flag[]>([]);
  const [showHelp, setShowHelp] = useState(false);
  const [pending, setPending] = useState(0);
  const [offline, setOffline] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const flushing = useRef(false);
  const flushAgain = useRef(false);

  // Saves still waiting from an earlier visit go first, so the list resumes where it really is.
  const flush = useCallback(async () => {
    // A save made while a round is sending may be missing from the list that round read:
    // the running round goes round once more instead of leaving it for the timer.
    if (flushing.current) {
      flushAgain.current = true;
      return;
    }
    flushing.current = true;
    let sent = 0;
    try {
      rounds: do {
        flushAgain.current = false;
        for (const r of await listPending(studyToken)) {
          try {
            await client.reading.rate.mutate({
              itemToken: r.itemToken,
              level: r.level,
              activeMs: r.activeMs,
              comment: r.comment,
              flags: r.flags,
              idempotencyKey: r.idempotencyKey,
            });
            await removePending(r.itemToken, r.idempotencyKey);
            sent++;
            setOffline(false);
          } catch (error) {
            if (!isRefusal(error)) {
              const status =
                error instanceof TRPCClientError
                  ? (error.data?.httpStatus as number | undefined)
                  : undefined;
              if (status === 401)
                setRefused(
                  "Your session has ended: sign in again; your ratings are kept until then.",
                );
              setOffline(true);
              break rounds;
            }
            // The server refused it (e.g. the study was finished or closed): keeping it would retry forever.
            await removePending(r.itemToken, r.idempotencyKey);
            setRefused(`A rating was not saved: ${(error as Error).message}`);
          }
        }
      } while (flushAgain.current);
    } catch {
      setOffline(true);
    } finally {
      flushing.current = false;
      setPending((await listPending(studyToken).catch(() => [])).length);
      if (sent > 0) await queryClient.invalidateQueries({ queryKey: trpc.reading.get.pathKey() });
    }
  }, [client, queryClient, studyToken, trpc]);

  useEffect(() => {
    void flush().finally(() => setReady(true));
    const onOnline = () => void flush();
    window.addEventListener("online", onOnline);
    const timer = setInterval(() => void flush(), 5_000);
    return () => {
      window.removeEventListener("online", onOnline);
      clearInterval(timer);
    };
  }, [flush]);

  const itemQuery = useQuery({
    ...trpc.reading.get.queryOptions({ studyToken, position }),
    enabled: ready,
  });
  const item = itemQuery.data;
  const activeTimeOf = useActiveTime(item?.itemToken);

  // The form follows the item on screen. Reset while rendering (not in an effect), so that a
  // key pressed the moment the next item paints lands on that item's fresh form instead of
  // being wiped by an effect that runs after the paint. Only a new item or a changed stored
  // rating resets it: a background refetch of equal values must not clear a fresh choice.
  const formKey = item
    ? JSON.stringify([item.itemToken, item.rating, item.comment, item.flags])
    : null;
  const [formFor, setFormFor] = useState<string | null>(null);
  if (item && formKey !== formFor) {
    setFormFor(formKey);
    setSelected(item.rating ?? null);
    setComment(item.comment ?? "");
    setFlags(item.flags as Flag[]);
  }

  // The next item's report and images are fetched ahead, so moving on paints at once.
  const hasNext = item !== undefined && item.position < item.total;
  const nextQuery = useQuery({
    ...trpc.reading.get.queryOptions({ studyToken, position: (item?.position ?? 0) + 1 }),
    enabled: hasNext,
  });
  const next = hasNext ? nextQuery.data : undefined;
  useEffect(() => {
    if (!next) return;
    const image = new Image();
    image.src = next.imageUrl;
    void image.decode().catch(() => undefined);
    if (next.image16Url)
      void fetch(next.image16Url, { credentials: "same-origin" }).catch(() => undefined);
  }, [next]);

  const save = useCallback(async () => {
    if (!item || !selected || !item.canChange) return;
    const record: PendingRating = {
      itemToken: item.itemToken,
      studyToken,
      level: selected,
      activeMs: activeTimeOf(item.itemToken),
      comment: item.fields.comment ? comment : undefined,
      flags: item.fields.flags ? flags : undefined,
      idempotencyKey: newIdempotencyKey(),
      savedAt: Date.now(),
    };
    // Written to the browser's store first: from here on the rating survives a dropped
    // connection or a closed tab, and the reader moves on without waiting for the network.
    await putPending(record);
    queryClient.setQueryData(trpc.reading.get.queryKey({ studyToken, position: item.position }), {
      ...item,
      rating: selected,
      comment,
      flags,
    });
    setPending((await listPending(studyToken)).length);
    if (item.position < item.total) setPosition(item.position + 1);
    void flush();
  }, [item, selected, comment, flags, studyToken, activeTimeOf, queryClient, trpc, flush]);

  const allRatedRef = useRef(false);
  allRatedRef.current =
    !!item && item.rated === item.total && pending === 0 && item.canChange && item.canFinish;
  const finish = useCallback(async () => {
    try {
      await client.reading.finish.mutate({ studyToken });
      await queryClient.invalidateQueries({ queryKey: trpc.reading.get.pathKey() });
    } catch (error) {
      setRefused((error as Error).message);
    }
  }, [client, queryClient, studyToken, trpc]);

  const go = useCallback(
    (delta: number) => {
      if (!item) return;
      const target = item.position + delta;
      // Without going back the study is read in order: Enter moves on, the arrows do not.
      if (!item.canGoBack && item.canChange) return;
      if (target >= 1 && target <= item.total) setPosition(target);
    },
    [item],
  );

  // One listener for the page's life, calling the handler of the latest render: a key pressed
  // between a render and its effects still acts on the item shown.
  const onKeyRef = useRef<(event: KeyboardEvent) => void>(() => undefined);
  useLayoutEffect(() => {
    onKeyRef.current = function onKey(event: KeyboardEvent) {
      // Typing in the comment box is not a command.
      const target = event.target;
      if (target instanceof Element && target.closest("input, textarea, select")) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "?") {
        setShowHelp((v) => !v);
      } else if (key === "escape") {
        setShowHelp(false);
      } else if (KEY_TO_LEVEL[key] && item?.canChange) {
        setSelected(KEY_TO_LEVEL[key]);
      } else if (key === "enter" && event.shiftKey) {
        if (allRatedRef.current) void finish();
      } else if (key === "enter") {
        void save();
      } else if (key === "arrowright") {
        go(1);
      } else if (key === "arrowleft") {
        go(-1);
      } else {
        return;
      }
      event.preventDefault();
    };
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKeyRef.current(event);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  if (itemQuery.isError) {
    return (
      <main className="flex-1 bg-slate-950 p-6 text-slate-100">
        <p role="alert" className="rounded-md bg-red-950 p-4 text-red-200">
          {itemQuery.error.message}
        </p>
        <a href="/read" className="mt-4 inline-block text-sky-300 underline">
          Back to your reading lists
        </a>
      </main>
    );
  }
  if (!item) {
    return (
      <main className="flex-1 bg-slate-950 p-6 text-slate-400">
        {offline ? "Waiting for the connection..." : "Loading..."}
      </main>
    );
  }

  const allRated = item.rated === item.total && pending === 0;
  return (
    <main className="flex min-h-0 flex-1 bg-slate-950 text-slate-100">
      <section className="min-w-0 flex-1">
        <Viewer
          key={item.itemToken}
          imageUrl={item.imageUrl}
          image16Url={item.image16Url}
          window16={item.window16}
          alt={`Chest radiograph, item ${item.position}`}
        />
      </section>
      <aside className="flex w-[28rem] flex-col border-l border-slate-800 bg-slate-900">
        <div className="border-b border-slate-800 px-5 py-3">
          <div className="flex items-center justify-between text-sm">
            <span data-testid="progress" className="font-medium">
              {item.position} of {item.total}
            </span>
            <span className="text-slate-400">
              {item.rated} rated{!item.canChange ? " · finished" : ""}
            </span>
          </div>
          <div className="mt-2 h-1.5 overflow-hidden rounded bg-slate-800">
            <div
              className="h-full bg-sky-500"
              style={{ width: `${(100 * item.rated) / item.total}%` }}
            />
          </div>
          {(offline || pending > 0) && (
            <p
              role="status"
              data-testid="sync-status"
              className={`mt-2 rounded px-2 py-1 text-xs ${offline ? "bg-amber-900 text-amber-100" : "bg-slate-800 text-slate-300"}`}
            >
              {offline
                ? `Offline: ${pending} rating${pending === 1 ? "" : "s"} kept in this browser, sent when the connection is back.`
                : `Sending ${pending} rating${pending === 1 ? "" : "s"}...`}
            </p>
          )}
          {refused && (
            <p role="alert" className="mt-2 text-xs text-red-300">
              {refused}
            </p>
          )}
        </div>
        <div className="flex-1 overflow-y-auto px-5 py-4">
          <h2 className="mb-2 text-xs font-semibold tracking-wide text-slate-400 uppercase">
            Report
          </h2>
          <div data-testid="report" className="leading-relaxed whitespace-pre-line text-slate-100">
            {item.report}
          </div>
        </div>
        <div className="border-t border-slate-800 px-5 py-4">
          <div className="mb-2 flex items-center justify-between">
            <h2 className="text-xs font-semibold tracking-wide text-slate-400 uppercase">
              Acceptability
            </h2>
            <button
              type="button"
              onClick={() => setShowHelp((v) => !v)}
              className="text-xs text-sky-300"
            >
              Scale definitions and keys (?)
            </button>
          </div>
          <div role="radiogroup" aria-label="Acceptability" className="space-y-1.5">
            {item.scale.map((s) => (
              <button
                key={s.level}
                type="button"
                role="radio"
                aria-checked={selected === s.level}
                aria-label={`${s.level}: ${s.label}`}
                disabled={!item.canChange}
                onClick={() => setSelected(s.level)}
                className={`flex w-full items-center gap-3 rounded-md border px-3 py-2 text-left text-sm ${
                  selected === s.level
                    ? "border-sky-400 bg-sky-950 ring-1 ring-sky-400"
                    : "border-slate-700 hover:bg-slate-800"
                } disabled:opacity-60`}
              >
                <span className="w-5 font-semibold">{s.level}</span>
                <span className="flex-1">{s.label}</span>
                <kbd className="rounded border border-slate-600 px-1.5 text-xs text-slate-400">
                  {s.key}
                </kbd>
              </button>
            ))}
          </div>
          {(item.fields.comment || item.fields.flags) && (
            <details className="mt-3 text-sm">
              <summary className="cursor-pointer text-slate-300">
                Error flags and comment
                {flags.length + (comment ? 1 : 0) > 0
                  ? ` (${flags.length + (comment ? 1 : 0)})`
                  : ""}
              </summary>
              {item.fields.flags && (
                <fieldset className="mt-2 grid grid-cols-2 gap-1" disabled={!item.canChange}>
                  <legend className="sr-only">Error flags</legend>
                  {ERROR_FLAGS.map((f) => (
                    <label key={f} className="flex items-center gap-2">
                      <input
                        type="checkbox"
                        checked={flags.includes(f)}
                        onChange={() =>
                          setFlags((v) => (v.includes(f) ? v.filter((x) => x !== f) : [...v, f]))
                        }
                      />
                      {FLAG_LABELS[f]}
                    </label>
                  ))}
                </fieldset>
              )}
              {item.fields.comment && (
                <label className="mt-2 block">
                  <span className="sr-only">Comment</span>
                  <textarea
                    value={comment}
                    onChange={(e) => setComment(e.target.value)}
                    maxLength={2000}
                    rows={2}
                    disabled={!item.canChange}
                    placeholder="Comment (optional)"
                    className="w-full rounded border border-slate-700 bg-slate-950 px-2 py-1 text-slate-100"
                  />
                </label>
              )}
            </details>
          )}
          <div className="mt-3 flex gap-2">
            <button
              type="button"
              onClick={() => go(-1)}
              disabled={item.position <= 1 || (!item.canGoBack && item.canChange)}
              className="rounded-md border border-slate-700 px-3 py-2 text-sm disabled:opacity-40"
              aria-label="Previous item"
            >
              ←
            </button>
            <button
              type="button"
              onClick={() => void save()}
              disabled={!selected || !item.canChange}
              className="flex-1 rounded-md bg-sky-600 px-4 py-2 text-sm font-medium text-white hover:bg-sky-500 disabled:opacity-50"
            >
              Save and next (Enter)
            </button>
            <button
              type="button"
              onClick={() => go(1)}
              disabled={item.position >= item.total || (!item.canGoBack && item.canChange)}
              className="rounded-md border border-slate-700 px-3 py-2 text-sm disabled:opacity-40"
              aria-label="Next item"
            >
              →
            </button>
          </div>
          {allRated && item.canChange && !item.canFinish && (
            <p className="mt-3 rounded-md bg-emerald-950 p-3 text-sm text-emerald-100">
              All {item.total} items are reviewed. New cases join this queue as they are sampled.
            </p>
          )}
          {allRated && item.canChange && item.canFinish && (
            <div className="mt-3 rounded-md bg-emerald-950 p-3 text-sm text-emerald-100">
              <p>
                All {item.total} items are rated.
                {item.canGoBack ? " You can still go back and change ratings." : ""}
              </p>
              <button
                type="button"
                onClick={() => void finish()}
                className="mt-2 rounded-md bg-emerald-600 px-4 py-1.5 font-medium text-white hover:bg-emerald-500"
              >
                Finish study (Shift+Enter)
              </button>
            </div>
          )}
          {!item.canChange && (
            <p className="mt-3 rounded-md bg-slate-800 p-3 text-sm text-slate-200">
              You have finished this study. Thank you; your ratings are final.{" "}
              <a href="/read" className="text-sky-300 underline">
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
          className="fixed inset-0 z-10 flex items-center justify-center bg-black/70"
          onClick={() => setShowHelp(false)}
        >
          <div className="max-w-lg rounded-lg bg-slate-900 p-6 text-slate-100 shadow-xl">
            <h2 className="mb-3 text-lg font-semibold">Acceptability scale</h2>
            <p className="mb-3 text-sm text-slate-300">
              Centred on referable abnormalities: findings that need further examination,
              consultation or follow-up.
            </p>
            <dl className="space-y-2 text-sm">
              {item.scale.map((s) => (
                <div key={s.level}>
                  <dt className="font-semibold">
                    {s.level} ({s.key}) · {s.label}
                  </dt>
                  <dd className="text-slate-300">{s.anchor}</dd>
                </div>
              ))}
            </dl>
            <p className="mt-4 text-xs text-slate-400">
              Rating: 1-4 or A-D select · Enter saves and moves on · ← → move · ? toggles this help.
              Image: wheel or + − zoom · drag pans · right-drag windows · 5-9 presets (
              {WINDOW_PRESETS.map((p) => `${p.key} ${p.label}`).join(", ")}) · i inverts · space
              resets.
            </p>
          </div>
        </div>
      )}
    </main>
  );
}
