"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DataTable } from "@/components/data-table";
import { useTRPC } from "@/components/trpc";

/** Roles and access: changes take effect on the user's next request and end their sessions. */
export function UsersView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.pathKey() });
  const setActive = useMutation(trpc.users.setActive.mutationOptions({ onSuccess: refresh }));
  const setRole = useMutation(trpc.users.setRole.mutationOptions({ onSuccess: refresh }));
  const error = setActive.error ?? setRole.error;
  return (
    <main className="mx-auto max-w-5xl space-y-4 p-6">
      <a href="/admin" className="text-sm text-sky-700 hover:underline">
        ← Studies
      </a>
      <h1 className="text-2xl font-semibold">Users</h1>
      <p className="text-sm text-slate-600">
        New users are created with <code>npx blindread users create</code>. Deactivating a user or
        changing their role ends their sessions at once; every change is in the audit trail.
      </p>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error.message}
        </p>
      )}
      <DataTable
        testId="users"
        columns={["User", "Role", "Status", ""]}
        rows={(users.data ?? []).map((u) => ({
          key: u.id,
          cells: [
            <>
              {u.name} <span className="text-slate-500">{u.email}</span>
            </>,
            <select
              key="role"
              aria-label={`Role of ${u.email}`}
              value={u.role}
              onChange={(e) =>
                setRole.mutate({ userId: u.id, role: e.target.value as "ADMIN" | "READER" })
              }
              className="rounded border border-slate-300 px-2 py-0.5"
            >
              <option value="READER">reader</option>
              <option value="ADMIN">admin</option>
            </select>,
            u.isActive ? "active" : "deactivated",
            <button
              key="active"
              type="button"
              onClick={() => setActive.mutate({ userId: u.id, active: !u.isActive })}
              className="rounded border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-100"
            >
              {u.isActive ? "Deactivate" : "Reactivate"}
            </button>,
          ],
        }))}
      />
    </main>
  );
}
