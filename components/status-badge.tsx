const styles: Record<string, string> = {
  DRAFT: "bg-amber-100 text-amber-900",
  OPEN: "bg-emerald-100 text-emerald-900",
  CLOSED: "bg-slate-200 text-slate-700",
  PENDING: "bg-amber-100 text-amber-900",
  READY: "bg-emerald-100 text-emerald-900",
  FAILED: "bg-red-100 text-red-800",
  HELD: "bg-violet-100 text-violet-900",
  QUEUED: "bg-slate-100 text-slate-700",
  VALIDATING: "bg-sky-100 text-sky-900",
  IMPORTING: "bg-sky-100 text-sky-900",
  SUCCEEDED: "bg-emerald-100 text-emerald-900",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`rounded px-2 py-0.5 text-xs font-medium ${styles[status] ?? "bg-slate-100"}`}>
      {status.toLowerCase()}
    </span>
  );
}
