import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { TopBar } from "@/components/top-bar";
import { getSessionUser } from "@/server/auth/session";

export const dynamic = "force-dynamic";

/** Every admin page passes here; the procedures behind them check the role again. */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  if (user.role !== "ADMIN") {
    return (
      <>
        <TopBar user={user} title="Not allowed" />
        <main className="mx-auto max-w-xl p-6">
          <h1 className="text-xl font-semibold">Admins only</h1>
          <p className="mt-2 text-slate-600">
            This page is for study coordinators.{" "}
            <a className="text-sky-700 underline" href="/read">
              Go to your reading lists
            </a>
            .
          </p>
        </main>
      </>
    );
  }
  return (
    <>
      <TopBar user={user} title="Administration" />
      {children}
    </>
  );
}
