import type { SessionUser } from "@/server/auth/schema";
import { SignOutButton } from "./sign-out-button";

export function TopBar({ user, title }: { user: SessionUser; title: string }) {
  return (
    <header className="flex items-center justify-between border-b border-slate-200 bg-white px-6 py-3">
      <div className="flex items-baseline gap-3">
        <a href="/" className="text-lg font-semibold">
          Blindread
        </a>
        <span className="text-sm text-slate-500">{title}</span>
      </div>
      <div className="flex items-center gap-4 text-sm">
        <span className="text-slate-600">{user.name}</span>
        <SignOutButton />
      </div>
    </header>
  );
}
