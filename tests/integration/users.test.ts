import { describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { isSessionCurrent } from "@/server/auth/users";
import { db, makeUser } from "./helpers";

const as = (userId: string) => createCaller(createInnerContext({ userId }));

describe("managing users", () => {
  it("ends sessions on sign-out-everywhere, deactivation and role changes, and audits each", async () => {
    const admin = await makeUser("ADMIN");
    const user = await makeUser("READER");
    expect(await isSessionCurrent(db(), user.id, 0)).toBe(true);

    await as(user.id).users.signOutEverywhere();
    // A session issued before (version 0) no longer counts; one issued after (1) does.
    expect(await isSessionCurrent(db(), user.id, 0)).toBe(false);
    expect(await isSessionCurrent(db(), user.id, 1)).toBe(true);

    await as(admin.id).users.setRole({ userId: user.id, role: "ADMIN" });
    expect(await isSessionCurrent(db(), user.id, 1)).toBe(false);
    await as(admin.id).users.setActive({ userId: user.id, active: false });
    expect(await isSessionCurrent(db(), user.id, 3)).toBe(false);
    // A deactivated user's procedures fail on their next call.
    await expect(as(user.id).studies.list()).rejects.toThrow(/sign in/i);
    await as(admin.id).users.setActive({ userId: user.id, active: true });
    expect(await isSessionCurrent(db(), user.id, 3)).toBe(true);

    const events = await db().auditEvent.findMany({
      where: { subjectId: user.id },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => e.action)).toEqual([
      "user.created",
      "user.signed_out_everywhere",
      "user.role_changed",
      "user.deactivated",
      "user.reactivated",
    ]);
    expect(JSON.parse(events[2]!.details)).toEqual({ from: "READER", to: "ADMIN" });
    await expect(as(admin.id).users.setActive({ userId: admin.id, active: false })).rejects.toThrow(
      /cannot deactivate yourself/,
    );
    expect(
      (await as(admin.id).users.list()).some((u) => u.id === user.id && u.role === "ADMIN"),
    ).toBe(true);
  });
});
