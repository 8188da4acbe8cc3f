"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { OIDC_PROVIDER_ID } from "@/server/auth/sign-in-page";

export function SignInForm({
  oidcName,
  initialError,
}: {
  /** The hospital's single sign-on, when configured. */
  oidcName: string | null;
  /** Why the last attempt was refused (a redirect back with `?error=`). */
  initialError: string | null;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(initialError);
  const [isPending, setIsPending] = useState(false);

  function signInWithOidc() {
    setIsPending(true);
    setError(null);
    // next-auth's client posts to its own route and then navigates to the provider, so the
    // page's CSP (form-action 'self') never sees a form redirected to another origin.
    void signIn(OIDC_PROVIDER_ID, { callbackUrl: "/" });
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setIsPending(true);
    setError(null);
    const result = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    setIsPending(false);
    const locked = /^locked:(\d+)$/.exec(result?.error ?? "");
    if (locked) {
      setError(`Too many failed sign-ins. Try again in ${locked[1]} seconds.`);
      return;
    }
    if (!result || result.error) {
      // One message for every failure: it must not reveal whether the e-mail exists.
      setError("E-mail or password is incorrect.");
      return;
    }
    router.replace("/");
    router.refresh();
  }

  return (
    <>
      <form onSubmit={onSubmit} className="space-y-4">
        <label className="block">
          <span className="text-sm font-medium">E-mail</span>
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            autoFocus
            className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 focus:border-sky-600 focus:outline-none"
          />
        </label>
        <label className="block">
          <span className="text-sm font-medium">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 focus:border-sky-600 focus:outline-none"
          />
        </label>
        {error && (
          <p
            role="alert"
            data-testid="sign-in-error"
            className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700"
          >
            {error}
          </p>
        )}
        <button
          type="submit"
          disabled={isPending}
          className="w-full rounded-md bg-sky-700 px-4 py-2 font-medium text-white hover:bg-sky-800 disabled:opacity-60"
        >
          {isPending ? "Signing in..." : "Sign in"}
        </button>
      </form>
      {oidcName && (
        <div className="mt-6 border-t border-slate-200 pt-6">
          <button
            type="button"
            onClick={signInWithOidc}
            disabled={isPending}
            className="w-full rounded-md border border-slate-300 px-4 py-2 font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60"
          >
            Sign in with {oidcName}
          </button>
        </div>
      )}
    </>
  );
}
