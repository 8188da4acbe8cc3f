"use client";

import { useMutation } from "@tanstack/react-query";
import { signOut } from "next-auth/react";
import { useTRPC } from "./trpc";

export function SignOutButton() {
  const trpc = useTRPC();
  // Ends every session of this user (other browsers, other machines), then this one.
  const everywhere = useMutation(
    trpc.users.signOutEverywhere.mutationOptions({
      onSettled: () => void signOut({ callbackUrl: "/signin" }),
    }),
  );
  return (
    <span className="flex items-center gap-2">
      <button
        type="button"
        onClick={() => void signOut({ callbackUrl: "/signin" })}
        className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100 hover:text-slate-900"
      >
        Sign out
      </button>
      <button
        type="button"
        onClick={() => everywhere.mutate()}
        disabled={everywhere.isPending}
        title="End your sessions in every browser"
        className="text-xs underline opacity-80 hover:opacity-100"
      >
        everywhere
      </button>
    </span>
  );
}
