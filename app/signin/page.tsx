import { oidcSettings } from "@/server/env";
import { signInErrorMessage } from "@/server/auth/sign-in-page";
import { SignInForm } from "./sign-in-form";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string | string[] }>;
}) {
  const { error } = await searchParams;
  // Read per request (awaiting searchParams makes the page dynamic), so the build does not fix it.
  const oidcName = oidcSettings()?.name ?? null;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-semibold">Blindread</h1>
        <p className="mt-1 mb-6 text-sm text-slate-500">
          Blinded reader studies of radiology reports
        </p>
        <SignInForm
          oidcName={oidcName}
          initialError={signInErrorMessage(typeof error === "string" ? error : undefined)}
        />
      </div>
    </main>
  );
}
