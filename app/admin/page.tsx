import { redirect } from "next/navigation";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { getSessionUser } from "@/server/auth/session";
import { StatusBadge } from "@/components/status-badge";

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
        <a href="/admin/models" className="text-sm text-sky-700 hover:underline">
          Models
        </a>
      </div>
      {studies.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-slate-600">
          No studies yet. Create the demo with <code>npx blindread demo seed</code>.
        </p>
      ) : (
        <table className="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
          <thead className="bg-slate-100 text-left text-slate-600">
            <tr>
              <th className="px-4 py-2">Study</th>
              <th className="px-4 py-2">Status</th>
              <th className="px-4 py-2 text-right">Cases</th>
              <th className="px-4 py-2 text-right">Readers</th>
              <th className="px-4 py-2 text-right">Rated</th>
            </tr>
          </thead>
          <tbody>
            {studies.map((s) => (
              <tr key={s.id} className="border-t border-slate-100">
                <td className="px-4 py-2">
                  <a
                    className="font-medium text-sky-700 hover:underline"
                    href={`/admin/studies/${s.id}`}
                  >
                    {s.name}
                  </a>
                </td>
                <td className="px-4 py-2">
                  <StatusBadge status={s.status} />
                </td>
                <td className="px-4 py-2 text-right">{s.cases}</td>
                <td className="px-4 py-2 text-right">{s.readers}</td>
                <td className="px-4 py-2 text-right">
                  {s.ratings} / {s.items}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
