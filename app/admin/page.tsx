import { redirect } from "next/navigation";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { getSessionUser } from "@/server/auth/session";
import { StatusBadge } from "@/components/status-badge";
import { DataTable } from "@/components/data-table";

export const dynamic = "force-dynamic";

export default async function AdminHomePage() {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  // The layout shows non-admins a refusal; the page must not run for them at all.
  if (user.role !== "ADMIN") return null;
  const studies = await createCaller(createInnerContext({ userId: user.id })).studies.list();
  return (
    <main className="mx-auto max-w-5xl p-6">
      <div className="mb-4 flex items-baseline justify-between">
        <h1 className="text-xl font-semibold">Studies</h1>
        <div className="flex gap-4 text-sm">
          <a href="/admin/qa" className="text-sky-700 hover:underline">
            QA audits
          </a>
          <a href="/admin/models" className="text-sky-700 hover:underline">
            Models
          </a>
          <a href="/admin/users" className="text-sky-700 hover:underline">
            Users
          </a>
          <a href="/admin/audit" className="text-sky-700 hover:underline">
            Audit trail
          </a>
          <a
            href="/admin/studies/new"
            className="rounded-md bg-sky-700 px-3 py-1.5 font-medium text-white hover:bg-sky-800"
          >
            New study
          </a>
        </div>
      </div>
      {studies.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-slate-600">
          No studies yet. Create one with New study, or the demo with{" "}
          <code>npx blindread demo seed</code>.
        </p>
      ) : (
        <DataTable
          columns={[
            "Study",
            "Status",
            { label: "Cases", align: "right" },
            { label: "Readers", align: "right" },
            { label: "Rated", align: "right" },
          ]}
          rows={studies.map((s) => ({
            key: s.id,
            cells: [
              <a
                key="name"
                className="font-medium text-sky-700 hover:underline"
                href={`/admin/studies/${s.id}`}
              >
                {s.name}
              </a>,
              <StatusBadge key="status" status={s.status} />,
              s.cases,
              s.readers,
              `${s.ratings} / ${s.items}`,
            ],
          }))}
        />
      )}
    </main>
  );
}
