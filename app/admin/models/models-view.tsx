"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { DataTable } from "@/components/data-table";
import { useTRPC } from "@/components/trpc";

const input = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";

export function ModelsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const models = useQuery(trpc.models.list.queryOptions());
  const [paramsError, setParamsError] = useState<string | null>(null);
  const [kind, setKind] = useState<"FINDINGS_CLASSIFIER" | "IMAGE_TO_TEXT">("FINDINGS_CLASSIFIER");
  const add = useMutation(
    trpc.models.add.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.models.list.queryKey() }),
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    let parameters: Record<string, never> = {};
    try {
      parameters = JSON.parse(String(form.get("parameters") || "{}"));
      setParamsError(null);
    } catch {
      setParamsError("Generation parameters must be a JSON object");
      return;
    }
    add.mutate({
      name: String(form.get("name")),
      version: String(form.get("version")),
      kind,
      path: String(form.get("path")),
      parameters,
    });
  }

  return (
    <main className="mx-auto max-w-5xl space-y-6 p-6">
      <div>
        <a href="/admin" className="text-sm text-sky-700 hover:underline">
          ← Studies
        </a>
        <h1 className="mt-1 text-xl font-semibold">Models</h1>
        <p className="text-sm text-slate-600">
          Each version names one set of weights: its sha256 is recorded here and checked when a
          worker loads it. Generation parameters are copied onto every report.
        </p>
      </div>
      <DataTable
        testId="models"
        columns={[
          { label: "Model", className: "font-medium" },
          "Kind",
          { label: "Folder", className: "font-mono text-xs" },
          { label: "sha256", className: "font-mono text-xs" },
          { label: "Reports", align: "right" },
        ]}
        rows={(models.data ?? []).map((m) => ({
          key: m.id,
          cells: [
            <>
              {m.name} {m.version}
              {m.isDemo ? (
                <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-900">
                  demo, not clinical
                </span>
              ) : null}
            </>,
            m.kind === "IMAGE_TO_TEXT" ? "image-to-text" : "findings classifier",
            m.path,
            <span key="sha" title={m.sha256}>
              {m.sha256.slice(0, 12)}…
            </span>,
            m.reports,
          ],
        }))}
      />
      <form
        onSubmit={onSubmit}
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2"
      >
        <h2 className="font-semibold sm:col-span-2">Register a model version</h2>
        <label className="text-sm">
          Name
          <input name="name" required className={input} />
        </label>
        <label className="text-sm">
          Version
          <input name="version" required className={input} />
        </label>
        <label className="text-sm">
          Kind
          <select
            name="kind"
            className={input}
            value={kind}
            onChange={(e) =>
              setKind(e.target.value === "IMAGE_TO_TEXT" ? "IMAGE_TO_TEXT" : "FINDINGS_CLASSIFIER")
            }
          >
            <option value="FINDINGS_CLASSIFIER">
              Findings classifier + template (model.onnx, model.json)
            </option>
            <option value="IMAGE_TO_TEXT">Image-to-text (Hugging Face Optimum ONNX folder)</option>
          </select>
        </label>
        <label className="text-sm">
          Folder on the server
          <input
            name="path"
            required
            className={input}
            placeholder="/srv/models/cxr-report-gen-1.2"
          />
        </label>
        <label className="text-sm sm:col-span-2">
          Generation parameters (JSON)
          <textarea
            name="parameters"
            rows={3}
            className={`${input} font-mono`}
            placeholder={
              kind === "IMAGE_TO_TEXT"
                ? '{"max_new_tokens": 128}'
                : '{"thresholds": {"Effusion": 0.6}} (overrides model.json, per finding)'
            }
          />
        </label>
        <div className="sm:col-span-2">
          <button
            type="submit"
            disabled={add.isPending}
            className="rounded-md bg-sky-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-sky-800 disabled:opacity-50"
          >
            Register
          </button>
          {(paramsError || add.isError) && (
            <p role="alert" className="mt-2 text-sm text-red-700">
              {paramsError ?? add.error?.message}
            </p>
          )}
          {add.data && (
            <p className="mt-2 text-sm text-emerald-800">
              Registered {add.data.name} {add.data.version}.
            </p>
          )}
        </div>
      </form>
    </main>
  );
}
