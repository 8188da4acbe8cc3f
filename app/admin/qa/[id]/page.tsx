import { redirect } from "next/navigation";
import { DataTable } from "@/components/data-table";
import { TrendChart } from "@/components/trend-chart";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { getSessionUser } from "@/server/auth/session";
import { AutoRefresh, ServedVersionForm } from "./live";

export const dynamic = "force-dynamic";

const pct = (v: number | null) => (v === null ? "–" : `${Math.round(v * 1000) / 10}%`);
const day = (d: Date) => d.toISOString().slice(0, 10);

function Figure({ label, value, tone }: { label: string; value: string | number; tone?: "bad" }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <div className="text-xs text-slate-500">{label}</div>
      <div className={`text-2xl font-semibold ${tone === "bad" ? "text-red-700" : ""}`}>
        {value}
      </div>
    </div>
  );
}

export default async function AuditDashboardPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  if (user.role !== "ADMIN") return null;
  const audit = await createCaller(createInnerContext({ userId: user.id })).qa.get({ id });
  const { trend, policy, counts } = audit;
  const rule = policy.alert;
  const reviewTimes = trend.periods.flatMap((p) =>
    p.medianActiveMs === null ? [] : [p.medianActiveMs],
  );
  const latest = trend.periods[trend.periods.length - 1];
  return (
    <main className="mx-auto max-w-6xl space-y-6 p-6">
      <AutoRefresh />
      <div>
        <a href="/admin/qa" className="text-sm text-sky-700 hover:underline">
          ← QA audits
        </a>
        <h1 className="mt-1 text-2xl font-semibold">{audit.name}</h1>
        <p className="text-sm text-slate-600">
          {audit.modelName}
          {audit.servedVersion ? `, version ${audit.servedVersion} writes reports on request` : ""}
          {" · "}
          {Math.round(policy.sampleRate * 100)}% sampled
          {policy.includeFlagged ? " plus every flagged case" : ""}
          {policy.stratifyBy ? `, by ${policy.stratifyBy}` : ""} · {policy.reviewsPerCase} reviews
          per case, due in {policy.reviewDays} days · alert:{" "}
          {rule.rule === "threshold"
            ? `a ${rule.period}'s success rate below ${pct(rule.threshold)}`
            : `a ${rule.period} below the p-chart's lower limit (${rule.sigma} SE, centre from the first ${rule.baselinePeriods} periods)`}
          , judged from {rule.minRatings} ratings
        </p>
      </div>

      {audit.alerts.length > 0 && (
        <section
          role="alert"
          data-testid="alerts"
          className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900"
        >
          <h2 className="font-semibold">
            {audit.alerts.length === 1 ? "1 alert" : `${audit.alerts.length} alerts`}
          </h2>
          <ul className="mt-2 space-y-1">
            {audit.alerts.map((a) => {
              const periods = (a.details as { periods?: { rate: number | null }[] }).periods ?? [];
              return (
                <li key={a.id}>
                  Success rate dropped from {day(a.periodStart)} to {day(a.periodEnd)} (
                  {periods.map((p) => pct(p.rate)).join(", ")}); fired {day(a.firedAt)}; webhook:{" "}
                  {a.delivery === "NONE"
                    ? "none configured"
                    : a.delivery === "DELIVERED"
                      ? `delivered after ${a.attempts} attempt(s)`
                      : `${a.delivery.toLowerCase()}${a.lastError ? ` (${a.lastError})` : ""}`}
                </li>
              );
            })}
          </ul>
        </section>
      )}

      <section className="grid gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Figure label="Cases received" value={counts.received} />
        <Figure label="Sampled for review" value={counts.sampled} />
        <Figure label="Flagged by clinicians" value={counts.flagged} />
        <Figure label="Reviews waiting" value={counts.pendingReviews} />
        <Figure
          label="Overdue cases"
          value={counts.overdue}
          tone={counts.overdue > 0 ? "bad" : undefined}
        />
        <Figure
          label="Median review, latest period"
          value={
            reviewTimes.length
              ? `${Math.round(reviewTimes[reviewTimes.length - 1]! / 1000)} s`
              : "–"
          }
        />
      </section>

      {trend.periods.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-slate-600">
          No reviews yet. Cases sent to <code>POST /api/v1/audits/{audit.id}/cases</code> are
          sampled as they arrive; the chart appears with the first reviews.
        </p>
      ) : (
        <TrendChart
          filename={`audit-${audit.id}-trend`}
          threshold={rule.rule === "threshold" ? rule.threshold : null}
          centre={trend.centre}
          points={trend.periods.map((p) => ({
            start: p.start.toISOString(),
            rate: p.ai.rate,
            lower: p.ai.lower,
            upper: p.ai.upper,
            ratings: p.ai.ratings,
            radiologist: p.radiologist.rate,
            lowerLimit: p.lowerLimit,
            upperLimit: p.upperLimit,
            breached: p.breached,
            judged: p.judged,
            newVersions: p.newVersions,
          }))}
        />
      )}

      {trend.periods.length > 0 && (
        <section>
          <h2 className="mb-2 text-lg font-semibold">Per {trend.period}</h2>
          <DataTable
            testId="periods"
            columns={[
              trend.period === "week" ? "Week of" : "Month",
              "Versions",
              { label: "AI success (95% CI)", align: "right" },
              { label: "Ratings", align: "right" },
              { label: "Radiologists", align: "right" },
              { label: "Lower limit", align: "right" },
              { label: "Median review", align: "right" },
              "Judged",
            ]}
            rows={trend.periods.map((p) => ({
              key: p.start.toISOString(),
              cells: [
                day(p.start),
                p.versions.join(", ") + (p.newVersions.length ? " (new)" : ""),
                <span key="rate" className={p.breached ? "font-semibold text-red-700" : ""}>
                  {pct(p.ai.rate)} ({pct(p.ai.lower)}–{pct(p.ai.upper)})
                </span>,
                p.ai.ratings,
                pct(p.radiologist.rate),
                pct(p.lowerLimit ?? (rule.rule === "threshold" ? rule.threshold : null)),
                p.medianActiveMs === null ? "–" : `${Math.round(p.medianActiveMs / 1000)} s`,
                p.breached ? "breach" : p.judged ? "in control" : "too few ratings",
              ],
            }))}
          />
        </section>
      )}

      {trend.byVersion.length > 1 && (
        <section>
          <h2 className="mb-2 text-lg font-semibold">Per model version</h2>
          <DataTable
            testId="versions"
            columns={[
              "Version",
              { label: "AI success (95% CI)", align: "right" },
              { label: "Ratings", align: "right" },
              { label: "Cases", align: "right" },
            ]}
            rows={trend.byVersion.map((v) => ({
              key: v.version,
              cells: [
                v.version,
                `${pct(v.rate.rate)} (${pct(v.rate.lower)}–${pct(v.rate.upper)})`,
                v.rate.ratings,
                v.rate.cases,
              ],
            }))}
          />
        </section>
      )}

      {trend.comparison && (
        <section data-testid="version-comparison">
          <h2 className="mb-1 text-lg font-semibold">Version change</h2>
          <p className="text-sm">
            {audit.modelName} {trend.comparison.after}: {pct(trend.comparison.afterRate.rate)} of{" "}
            {trend.comparison.afterRate.ratings} ratings, against {trend.comparison.before}:{" "}
            {pct(trend.comparison.beforeRate.rate)} of {trend.comparison.beforeRate.ratings}.
            Difference{" "}
            <strong>
              {trend.comparison.difference === null
                ? "–"
                : `${trend.comparison.difference >= 0 ? "+" : ""}${Math.round(trend.comparison.difference * 1000) / 10} points`}
            </strong>{" "}
            (95% CI {pct(trend.comparison.lower)} to {pct(trend.comparison.upper)}; intervals allow
            for several reviewers per case).
          </p>
        </section>
      )}

      <div className="grid gap-6 lg:grid-cols-2">
        <section>
          <h2 className="mb-2 text-lg font-semibold">Reviewers</h2>
          <DataTable
            testId="reviewers"
            columns={["Reviewer", { label: "Waiting", align: "right" }]}
            rows={audit.reviewers.map((r) => ({
              key: r.email,
              cells: [`${r.name} (${r.email})`, r.pending],
            }))}
          />
        </section>
        <section>
          <h2 className="mb-2 text-lg font-semibold">Overdue</h2>
          {audit.overdue.length === 0 ? (
            <p className="text-sm text-slate-600">No sampled case is past its review deadline.</p>
          ) : (
            <DataTable
              testId="overdue"
              columns={["Case", "Due", "Waiting for"]}
              rows={audit.overdue.map((o) => ({
                key: o.accession,
                cells: [
                  <code key="ref">{o.accession}</code>,
                  day(o.dueAt),
                  o.waitingFor.length ? o.waitingFor.join(", ") : o.reason,
                ],
              }))}
            />
          )}
        </section>
      </div>

      <section className="space-y-3">
        <ServedVersionForm
          auditId={audit.id}
          modelName={audit.modelName}
          current={audit.servedVersion}
        />
        <div>
          <h2 className="mb-1 text-lg font-semibold">Export</h2>
          <p className="mb-2 text-sm text-slate-600">
            Unblinded: every review with the report&apos;s source and model version. Each download
            is recorded.
          </p>
          <div className="flex flex-wrap gap-2">
            {(["csv", "jsonl", "bundle"] as const).map((format) => (
              <a
                key={format}
                href={`/api/v1/studies/${audit.studyId}/export?format=${format}`}
                className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100"
                download
              >
                {format === "bundle"
                  ? "Analysis bundle (zip)"
                  : `Ratings (${format.toUpperCase()})`}
              </a>
            ))}
          </div>
        </div>
        {latest && (
          <p className="text-xs text-slate-500">
            Latest period starts {day(latest.start)}. The page refreshes every 30 s.
          </p>
        )}
      </section>
    </main>
  );
}
