import { redirect } from "next/navigation";
import { DataTable } from "@/components/data-table";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { getSessionUser } from "@/server/auth/session";

export const dynamic = "force-dynamic";

export default async function AuditsPage() {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  if (user.role !== "ADMIN") return null;
  const audits = await createCaller(createInnerContext({ userId: user.id })).qa.list();
  return (
    <main className="mx-auto max-w-5xl p-6">
      <a href="/admin" className="text-sm text-sky-700 hover:underline">
        ← Studies
      </a>
      <div className="mt-2 mb-4 flex items-baseline justify-between">
        <h1 className="text-xl font-semibold">QA audits</h1>
        <a
          href="/admin/qa/new"
          className="rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800"
        >
          New audit
        </a>
      </div>
      <p className="mb-4 text-sm text-slate-600">
        Ongoing audits of models in clinical use: new cases arrive through the API, a sample is
        reviewed blind beside the radiologists&apos; reports, and a drop raises an alert.
      </p>
      {audits.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-slate-600">
          No audits yet. Create one with New audit, then send cases to{" "}
          <code>POST /api/v1/audits/&#123;id&#125;/cases</code>.
        </p>
      ) : (
        <DataTable
          testId="audits"
          columns={[
            "Audit",
            "Model",
            { label: "Received", align: "right" },
            { label: "Sampled", align: "right" },
            { label: "Alerts", align: "right" },
          ]}
          rows={audits.map((a) => ({
            key: a.id,
            cells: [
              <a
                key="name"
                href={`/admin/qa/${a.id}`}
                className="font-medium text-sky-700 hover:underline"
              >
                {a.name}
              </a>,
              a.modelName,
              a.received,
              a.sampled,
              a.alerts,
            ],
          }))}
        />
      )}
    </main>
  );
}
