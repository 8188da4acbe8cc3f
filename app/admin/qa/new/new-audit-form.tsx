"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";

const field = "mt-1 w-full rounded border border-slate-300 px-3 py-2";

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
        <fieldset>
          <legend className="text-sm font-medium">Reviewers</legend>
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
                  checked={reviewerIds.includes(r.id)}
                  onChange={() =>
                    setReviewerIds((ids) =>
                      ids.includes(r.id) ? ids.filter((x) => x !== r.id) : [...ids, r.id],
                    )
                  }
                />
                {r.name} <span className="text-slate-500">{r.email}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset className="grid gap-4 text-sm sm:grid-cols-3">
          <legend className="mb-1 font-medium">Sampling and review</legend>
          <label>
            Share sampled at random (%)
            <input
              name="samplePercent"
              type="number"
              min={0}
              max={100}
              step="any"
              defaultValue={10}
              className={field}
            />
          </label>
          <label>
            Reviews per sampled case
            <input
              name="reviewsPerCase"
              type="number"
              min={1}
              max={20}
              defaultValue={2}
              className={field}
            />
          </label>
          <label>
            Reviews due within (days)
            <input
              name="reviewDays"
              type="number"
              min={1}
              max={365}
              defaultValue={7}
              className={field}
            />
          </label>
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
          <label>
            Least ratings to judge a period
            <input name="minRatings" type="number" min={1} defaultValue={20} className={field} />
          </label>
          {rule === "threshold" ? (
            <label>
              Threshold (%)
              <input
                name="thresholdPercent"
                type="number"
                min={0}
                max={100}
                defaultValue={70}
                className={field}
              />
            </label>
          ) : (
            <label>
              Baseline periods (centre line)
              <input
                name="baselinePeriods"
                type="number"
                min={1}
                max={52}
                defaultValue={4}
                className={field}
              />
            </label>
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
