"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ReaderPicker } from "@/components/reader-picker";
import { useTRPC } from "@/components/trpc";

const field = "mt-1 w-full rounded border border-slate-300 px-3 py-2";

function NumberField(props: {
  label: string;
  name: string;
  min?: number;
  max?: number;
  step?: string;
  defaultValue: number;
}) {
  const { label, ...input } = props;
  return (
    <label>
      {label}
      <input type="number" className={field} {...input} />
    </label>
  );
}

/** An audit of a model in clinical use: who reviews, how cases are sampled, when to alert. */
export function NewAuditForm() {
  const trpc = useTRPC();
  const options = useQuery(trpc.studies.formOptions.queryOptions());
  const [reviewerIds, setReviewerIds] = useState<string[]>([]);
  const [modelName, setModelName] = useState("");
  const [rule, setRule] = useState<"threshold" | "pchart">("threshold");
  const create = useMutation(trpc.qa.create.mutationOptions());
  const versions = (options.data?.models ?? []).filter((m) => m.name === modelName);
  const names = [...new Set((options.data?.models ?? []).map((m) => m.name))];

  if (create.data) {
    return (
      <main className="mx-auto max-w-3xl space-y-4 p-6">
        <h1 className="text-2xl font-semibold">Audit created</h1>
        {create.data.webhookSecret && (
          <div className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm">
            <p className="font-medium">Webhook signing secret (shown once)</p>
            <p className="mt-1">
              Give it to the receiver: each alert carries{" "}
              <code>
                X-Blindread-Signature: sha256=HMAC(secret, timestamp + &quot;.&quot; + body)
              </code>
              .
            </p>
            <code data-testid="webhook-secret" className="mt-2 block break-all font-mono">
              {create.data.webhookSecret}
            </code>
          </div>
        )}
        <p className="text-sm text-slate-600">
          Send cases to <code>POST /api/v1/audits/{create.data.id}/cases</code> with an admin API
          token.
        </p>
        <a
          href={`/admin/qa/${create.data.id}`}
          className="inline-block rounded-md bg-sky-700 px-4 py-2 font-medium text-white"
        >
          Open the dashboard
        </a>
      </main>
    );
  }

  return (
    <main className="mx-auto max-w-3xl space-y-6 p-6">
      <a href="/admin/qa" className="text-sm text-sky-700 hover:underline">
        ← QA audits
      </a>
      <h1 className="text-2xl font-semibold">New QA audit</h1>
      <form
        className="space-y-5 rounded-lg border border-slate-200 bg-white p-5"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          // Fields of the rule not chosen are not in the form: they keep their defaults.
          const num = (name: string, fallback: number) => {
            const value = form.get(name);
            return value === null ? fallback : Number(value);
          };
          const stratify = String(form.get("stratifyBy") ?? "");
          create.mutate({
            name: String(form.get("name") ?? ""),
            description: String(form.get("description") ?? ""),
            modelName,
            modelId: String(form.get("modelId") ?? "") || null,
            reviewerIds,
            policy: {
              sampleRate: num("samplePercent", 10) / 100,
              includeFlagged: form.get("includeFlagged") === "on",
              stratifyBy: stratify === "site" || stratify === "modality" ? stratify : null,
              reviewsPerCase: num("reviewsPerCase", 2),
              reviewDays: num("reviewDays", 7),
              alert: {
                rule,
                period: form.get("period") === "month" ? "month" : "week",
                threshold: num("thresholdPercent", 70) / 100,
                minRatings: num("minRatings", 20),
                baselinePeriods: num("baselinePeriods", 4),
                sigma: 3,
              },
              webhookUrl: String(form.get("webhookUrl") ?? "").trim() || null,
            },
          });
        }}
      >
        <label className="block">
          <span className="text-sm font-medium">Name</span>
          <input name="name" required maxLength={200} className={field} />
        </label>
        <label className="block">
          <span className="text-sm font-medium">Description (optional)</span>
          <textarea name="description" rows={2} className={field} />
        </label>
        <div className="grid gap-4 sm:grid-cols-2">
          <label className="block">
            <span className="text-sm font-medium">Model audited (name, all versions)</span>
            <input
              name="modelName"
              required
              list="model-names"
              value={modelName}
              onChange={(e) => setModelName(e.target.value.trim())}
              pattern="[A-Za-z0-9._\-]+"
              className={field}
            />
            <datalist id="model-names">
              {names.map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
          </label>
          <label className="block">
            <span className="text-sm font-medium">Version that writes reports on request</span>
            <select name="modelId" className={field} defaultValue="">
              <option value="">None: cases bring their AI report</option>
              {versions.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} {m.version}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ReaderPicker
          legend="Reviewers"
          readers={options.data?.readers}
          chosen={reviewerIds}
          onChange={setReviewerIds}
        />
        <fieldset className="grid gap-4 text-sm sm:grid-cols-3">
          <legend className="mb-1 font-medium">Sampling and review</legend>
          <NumberField
            label="Share sampled at random (%)"
            name="samplePercent"
            min={0}
            max={100}
            step="any"
            defaultValue={10}
          />
          <NumberField
            label="Reviews per sampled case"
            name="reviewsPerCase"
            min={1}
            max={20}
            defaultValue={2}
          />
          <NumberField
            label="Reviews due within (days)"
            name="reviewDays"
            min={1}
            max={365}
            defaultValue={7}
          />
          <label className="flex items-center gap-2 sm:col-span-2">
            <input type="checkbox" name="includeFlagged" defaultChecked />
            Always review cases a clinician flagged
          </label>
          <label>
            Stratify by
            <select name="stratifyBy" className={field} defaultValue="">
              <option value="">Nothing</option>
              <option value="site">Site</option>
              <option value="modality">Modality</option>
            </select>
          </label>
        </fieldset>
        <fieldset className="grid gap-4 text-sm sm:grid-cols-3">
          <legend className="mb-1 font-medium">Alert rule</legend>
          <label>
            Rule
            <select
              className={field}
              value={rule}
              onChange={(e) => setRule(e.target.value === "pchart" ? "pchart" : "threshold")}
            >
              <option value="threshold">Success rate below a threshold</option>
              <option value="pchart">Below the p-chart&apos;s lower control limit</option>
            </select>
          </label>
          <label>
            Period
            <select name="period" className={field} defaultValue="week">
              <option value="week">Week</option>
              <option value="month">Month</option>
            </select>
          </label>
          <NumberField
            label="Least ratings to judge a period"
            name="minRatings"
            min={1}
            defaultValue={20}
          />
          {rule === "threshold" ? (
            <NumberField
              label="Threshold (%)"
              name="thresholdPercent"
              min={0}
              max={100}
              defaultValue={70}
            />
          ) : (
            <NumberField
              label="Baseline periods (centre line)"
              name="baselinePeriods"
              min={1}
              max={52}
              defaultValue={4}
            />
          )}
          <label className="sm:col-span-2">
            Webhook URL (optional)
            <input name="webhookUrl" type="url" placeholder="https://" className={field} />
          </label>
        </fieldset>
        {create.error && (
          <p role="alert" className="rounded bg-red-50 p-3 text-sm text-red-800">
            {create.error.message}
          </p>
        )}
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded-md bg-sky-700 px-4 py-2 font-medium text-white disabled:opacity-50"
        >
          Create audit
        </button>
      </form>
    </main>
  );
}
