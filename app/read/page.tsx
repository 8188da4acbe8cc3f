import { redirect } from "next/navigation";
import { TopBar } from "@/components/top-bar";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { getSessionUser } from "@/server/auth/session";

export const dynamic = "force-dynamic";

export default async function ReaderHomePage() {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  if (user.role !== "READER") redirect("/");
  const studies = await createCaller(createInnerContext({ userId: user.id })).reading.list();

  return (
    <div className="min-h-screen bg-slate-950 text-slate-100">
      <TopBar user={user} title="Reading" dark />
      <main className="mx-auto max-w-3xl p-6">
        <h1 className="mb-4 text-xl font-semibold">Your reading lists</h1>
        {studies.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-700 bg-slate-900 p-6 text-slate-300">
            Nothing to read yet. Studies appear here once their coordinator opens them; if you were
            expecting one, reload in a minute.
          </p>
        ) : (
          <ul className="space-y-3">
            {studies.map((s) => (
              <li
                key={s.studyToken}
                className="rounded-lg border border-slate-800 bg-slate-900 p-4"
              >
                <div className="flex items-center justify-between">
                  <div>
                    <div className="font-medium">{s.name}</div>
                    <div className="text-sm text-slate-400">
                      {s.rated} of {s.total} rated{s.finished ? " · finished" : ""}
                    </div>
                  </div>
                  <a
                    href={`/read/${s.studyToken}`}
                    className="rounded-md bg-sky-600 px-4 py-2 text-sm font-medium text-white hover:bg-sky-500"
                  >
                    {s.finished ? "Review" : s.rated > 0 ? "Continue" : "Start"}
                  </a>
                </div>
                <div className="mt-3 h-2 overflow-hidden rounded bg-slate-800">
                  <div
                    className="h-full bg-sky-500"
                    style={{ width: `${s.total ? (100 * s.rated) / s.total : 0}%` }}
                  />
                </div>
              </li>
            ))}
          </ul>
        )}
      </main>
    </div>
  );
}
