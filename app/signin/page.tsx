import { SignInForm } from "./sign-in-form";

export default function SignInPage() {
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-semibold">Blindread</h1>
        <p className="mt-1 mb-6 text-sm text-slate-500">
          Blinded reader studies of radiology reports
        </p>
        <SignInForm />
      </div>
    </main>
  );
}
