import { redirect } from "next/navigation";
import { TopBar } from "@/components/top-bar";
import { getSessionUser } from "@/server/auth/session";
import { Reader } from "./reader";

export const dynamic = "force-dynamic";

export default async function ReadPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  if (user.role !== "READER") redirect("/");
  return (
    <div className="flex h-screen flex-col bg-slate-950">
      <TopBar user={user} title="Reading" dark />
      <Reader studyToken={token} />
    </div>
  );
}
