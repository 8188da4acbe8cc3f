"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
import { StatusBadge } from "@/components/status-badge";
import { useTRPC } from "@/components/trpc";

const RUNNING = new Set(["QUEUED", "VALIDATING", "IMPORTING"]);

/** Sends the zip with XMLHttpRequest, the one browser API that reports upload progress. */
function uploadZip(
  url: string,
  file: File,
  onProgress: (share: number) => void,
): Promise<{ importId: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Content-Type", "application/zip");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const body = (() => {
        try {
          return JSON.parse(xhr.responseText) as { importId?: string; message?: string };
        } catch {
          return {};
        }
      })();
      if (xhr.status === 202 && body.importId) resolve({ importId: body.importId });
      else reject(new Error(body.message ?? `Upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("The upload was interrupted; check the connection"));
    xhr.send(file);
  });
}

function Problems({ importId }: { importId: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.imports.get.queryOptions({ importId }));
  if (!detail.data) return <p className="text-sm text-slate-500">Loading problems...</p>;
  return (
    <DataTable
      testId="import-problems"
      columns={[
        { label: "Line", className: "font-mono" },
        "Case",
        { label: "Problem", className: "text-red-700" },
      ]}
      rows={detail.data.problems.map((p, i) => ({
        key: `${i}`,
        cells: [p.row ?? "–", p.caseId ?? "–", p.message],
      }))}
    />
  );
}

export function ImportHistory({ studyId, title }: { studyId: string; title?: string }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState<string | null>(null);
  const imports = useQuery({
    ...trpc.imports.list.queryOptions({ id: studyId }),
    refetchInterval: (q) => (q.state.data?.some((i) => RUNNING.has(i.status)) ? 1_000 : false),
  });
  if (!imports.data?.length) return null;
  const list = (
    <ul className="mt-4 space-y-3" data-testid="imports">
      {imports.data.map((i) => {
        const share = i.total ? Math.min(100, (100 * i.processed) / i.total) : 0;
        return (
          <li key={i.id} className="rounded-md border border-slate-200 bg-white p-3 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <StatusBadge status={i.status} />
              <span className="font-medium">{i.sourceName}</span>
              <span className="text-slate-500">
                {i.origin} · {new Date(i.createdAt).toLocaleString()}
                {i.createdBy ? ` · ${i.createdBy}` : ""}
              </span>
            </div>
            {RUNNING.has(i.status) ? (
              <div className="mt-2">
                <div
                  className="h-2 overflow-hidden rounded bg-slate-100"
                  role="progressbar"
                  aria-valuenow={Math.round(share)}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-label="Import progress"
                >
                  <div
                    className="h-full bg-sky-600 transition-all"
                    style={{ width: `${share}%` }}
                  />
                </div>
                <p className="mt-1 text-slate-600">
                  {i.processed} of {i.total || "?"} cases checked
                  {i.perSecond !== null ? ` · ${i.perSecond.toFixed(1)} cases/s` : ""} ·{" "}
                  {i.problemCount} problems so far · continues if you close this page
                </p>
              </div>
            ) : (
              <p className="mt-1 text-slate-700" data-testid="import-result">
                {i.status === "SUCCEEDED"
                  ? `${i.imported} imported, ${i.unchanged} already present` +
                    (i.held ? `, ${i.held} held for review` : "") +
                    (i.skippedRows ? `, ${i.skippedRows} invalid rows skipped` : "")
                  : i.error}
              </p>
            )}
            {i.problemCount > 0 && !RUNNING.has(i.status) && (
              <div className="mt-2">
                <button
                  type="button"
                  className="text-sky-700 hover:underline"
                  onClick={() => setOpen(open === i.id ? null : i.id)}
                >
                  {open === i.id ? "Hide" : "Show"} the {i.problemCount} problem
                  {i.problemCount === 1 ? "" : "s"}
                </button>
                {open === i.id && (
                  <div className="mt-2">
                    <Problems importId={i.id} />
                  </div>
                )}
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
  if (!title) return list;
  return (
    <section>
      <h2 className="mb-2 text-lg font-semibold">{title}</h2>
      {list}
    </section>
  );
}

function HeldCases({ studyId }: { studyId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const held = useQuery({
    ...trpc.imports.held.queryOptions({ id: studyId }),
    refetchInterval: 5_000,
  });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.imports.held.pathKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.studies.get.pathKey() });
  };
  const release = useMutation(trpc.imports.release.mutationOptions({ onSuccess: refresh }));
  const discard = useMutation(trpc.imports.discard.mutationOptions({ onSuccess: refresh }));
  if (!held.data?.length) return null;
  return (
    <div className="mt-4" data-testid="held-cases">
      <h3 className="font-medium text-violet-900">
        Held for review: {held.data.length} case{held.data.length === 1 ? "" : "s"} may show patient
        details in the pixels
      </h3>
      <ul className="mt-2 grid gap-3 sm:grid-cols-2">
        {held.data.map((c) => (
          <li
            key={c.id}
            className="flex gap-3 rounded-md border border-violet-200 bg-white p-3 text-sm"
          >
            <a href={c.imageUrl} target="_blank" rel="noreferrer" title="Open at full size">
              <img
                src={c.thumbnailUrl}
                alt={`Case ${c.externalId}`}
                className="h-24 w-24 bg-black object-contain"
              />
            </a>
            <div className="flex-1">
              <p className="font-mono">{c.externalId}</p>
              <p className="text-slate-600">{c.reason}</p>
              <div className="mt-2 flex gap-2">
                <button
                  type="button"
                  className="rounded bg-emerald-700 px-2 py-1 text-white disabled:opacity-50"
                  disabled={release.isPending}
                  onClick={() => release.mutate({ caseId: c.id })}
                >
                  Release: no identifiers
                </button>
                <button
                  type="button"
                  className="rounded bg-red-700 px-2 py-1 text-white disabled:opacity-50"
                  disabled={discard.isPending}
                  onClick={() => {
                    if (window.confirm(`Remove case ${c.externalId} and its images?`))
                      discard.mutate({ caseId: c.id });
                  }}
                >
                  Discard
                </button>
              </div>
            </div>
          </li>
        ))}
      </ul>
      {(release.error ?? discard.error) && (
        <p className="mt-2 text-sm text-red-700">{(release.error ?? discard.error)?.message}</p>
      )}
    </div>
  );
}

/** Import cases into a draft study: a zip upload or a folder on the server, then follow it. */
export function ImportPanel({ studyId }: { studyId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [keepOriginals, setKeepOriginals] = useState(false);
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [folder, setFolder] = useState("");
  const sources = useQuery(trpc.imports.sources.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.imports.list.pathKey() });
  const fromFolder = useMutation(
    trpc.imports.startFromFolder.mutationOptions({
      onSuccess: refresh,
      onError: (e) => setError(e.message),
    }),
  );

  async function upload() {
    if (!file) return;
    setError(null);
    setUploaded(0);
    const query = new URLSearchParams({
      name: file.name,
      skipInvalid: String(skipInvalid),
      keepOriginals: String(keepOriginals),
    });
    try {
      await uploadZip(`/api/admin/studies/${studyId}/imports?${query}`, file, setUploaded);
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setUploaded(null);
    }
  }

  return (
    <section>
      <h2 className="mb-2 text-lg font-semibold">Import cases</h2>
      <div className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm">
        <p className="text-slate-600">
          A dataset is a folder (or a zip of one) with <code>manifest.csv</code> or{" "}
          <code>manifest.jsonl</code> and the images (DICOM, PNG or JPEG). Every row is checked
          before anything is imported; DICOM files are de-identified before anything is stored.
        </p>
        <div className="flex flex-wrap items-center gap-3">
          <label className="flex items-center gap-2">
            <span>Zip file</span>
            <input
              type="file"
              accept=".zip,application/zip"
              data-testid="import-file"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          </label>
          <button
            type="button"
            onClick={() => void upload()}
            disabled={!file || uploaded !== null}
            className="rounded-md bg-sky-700 px-3 py-1.5 font-medium text-white disabled:opacity-50"
          >
            Upload and import
          </button>
          {uploaded !== null && (
            <span className="text-slate-600">uploading {Math.round(uploaded * 100)}%</span>
          )}
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <label className="flex items-center gap-2">
            <span>or a dataset on the server</span>
            <select
              value={folder}
              onChange={(e) => setFolder(e.target.value)}
              className="rounded border border-slate-300 px-2 py-1"
              data-testid="import-folder"
            >
              <option value="">choose...</option>
              {sources.data?.entries.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name} ({s.kind})
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            disabled={!folder || fromFolder.isPending}
            onClick={() => {
              setError(null);
              fromFolder.mutate({ studyId, name: folder, skipInvalid, keepOriginals });
            }}
            className="rounded-md bg-sky-700 px-3 py-1.5 font-medium text-white disabled:opacity-50"
          >
            Import from server
          </button>
          {sources.data && sources.data.entries.length === 0 && (
            <span className="text-slate-500">
              (none yet: put dataset folders or zips in {sources.data.root})
            </span>
          )}
        </div>
        <div className="flex flex-wrap gap-4">
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={skipInvalid}
              onChange={(e) => setSkipInvalid(e.target.checked)}
            />
            Skip invalid rows (import the valid ones and list the rest)
          </label>
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={keepOriginals}
              onChange={(e) => setKeepOriginals(e.target.checked)}
            />
            Keep de-identified originals
          </label>
        </div>
        {error && (
          <p role="alert" className="text-red-700">
            {error}
          </p>
        )}
        <details>
          <summary className="cursor-pointer text-sky-700">Manifest columns</summary>
          <p className="mt-1 text-slate-600">
            <code>case_id</code>, <code>image</code> (path from the manifest; several separated by
            ;), <code>report</code> or <code>findings</code> + <code>impression</code>, and
            optionally <code>label</code> (normal/abnormal), <code>finding_tags</code> (separated by
            ;), <code>site</code>, and an external AI report as <code>ai_report</code>,{" "}
            <code>ai_model</code>, <code>ai_model_version</code> (JSON Lines:{" "}
            <code>ai_reports</code>, a list of {"{model, version, text}"}).
          </p>
        </details>
      </div>
      <ImportHistory studyId={studyId} />
      <HeldCases studyId={studyId} />
    </section>
  );
}
