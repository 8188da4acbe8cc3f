import type { SessionUser } from "@/server/auth/schema";
import { SignOutButton } from "./sign-out-button";

/** The header of every page; dark on reading pages, which are used in dim reading rooms. */
export function TopBar({
  user,
  title,
  dark = false,
}: {
  user: SessionUser;
  title: string;
  dark?: boolean;
}) {
  const theme = dark ? "border-slate-800 bg-slate-900 text-slate-100" : "border-slate-200 bg-white";
  return (
    <header className={`flex items-center justify-between border-b px-6 py-3 ${theme}`}>
      <div className="flex items-baseline gap-3">
        <a href="/" className="text-lg font-semibold">
          Blindread
        </a>
        <span className={`text-sm ${dark ? "text-slate-400" : "text-slate-500"}`}>{title}</span>
      </div>
      <div className="flex items-center gap-4 text-sm">
        <span className={dark ? "text-slate-300" : "text-slate-600"}>{user.name}</span>
        <SignOutButton />
      </div>
    </header>
  );
}
