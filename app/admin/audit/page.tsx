import { redirect } from "next/navigation";
import { DataTable } from "@/components/data-table";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { getSessionUser } from "@/server/auth/session";

export const dynamic = "force-dynamic";

export default async function AuditPage() {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  if (user.role !== "ADMIN") return null;
  const caller = createCaller(createInnerContext({ userId: user.id }));
  const [report, events] = await Promise.all([
    caller.audit.verify(),
    caller.audit.list({ limit: 200 }),
  ]);
  return (
    <main className="mx-auto max-w-6xl space-y-4 p-6">
      <a href="/admin" className="text-sm text-sky-700 hover:underline">
        ← Studies
      </a>
      <h1 className="text-2xl font-semibold">Audit trail</h1>
      <p
        data-testid="audit-status"
        className={`rounded-md p-3 text-sm ${report.intact ? "bg-emerald-50 text-emerald-900" : "bg-red-50 text-red-800"}`}
      >
        {report.intact
          ? `Intact: ${report.events} events, each linked to the one before and matching its hash.`
          : `Broken at event ${report.firstBroken?.id}: ${report.firstBroken?.reason}.`}{" "}
        Events cannot be changed or deleted (the database refuses it); the same check runs with{" "}
        <code>npx blindread audit verify</code>.
      </p>
      {events.length === 0 ? (
        <p className="text-slate-500">No events yet.</p>
      ) : (
        <DataTable
          testId="audit-events"
          columns={[
            { label: "#", className: "font-mono" },
            "When (UTC)",
            "Who",
            "What",
            { label: "Subject", className: "font-mono text-xs" },
            { label: "Details", className: "font-mono text-xs text-slate-600" },
          ]}
          rows={events.map((e) => ({
            key: e.id,
            cells: [
              e.id,
              e.at.replace("T", " ").slice(0, 19),
              e.actor,
              e.action,
              e.subjectType ? `${e.subjectType} ${e.subjectId ?? ""}` : "",
              e.details.length > 160 ? `${e.details.slice(0, 160)}...` : e.details,
            ],
          }))}
        />
      )}
    </main>
  );
}
