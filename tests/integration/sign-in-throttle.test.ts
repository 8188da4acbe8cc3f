import { describe, expect, it } from "vitest";
import { signInWithPassword } from "@/server/auth/mutations";
import { db, makeUser, uniqueEmail } from "./helpers";

describe("sign-in throttling", () => {
  it("locks an account after five failures, doubling the lock with each further one, and a success clears it", async () => {
    const user = await makeUser("READER");
    const wrong = { email: user.email, password: "not the password" };
    const right = { email: user.email, password: user.password };
    for (let i = 0; i < 5; i++) expect(await signInWithPassword(db(), wrong, null)).toBeNull();
    // The sixth failure locks the account for 30 s: even the right password is refused now.
    expect(await signInWithPassword(db(), wrong, null)).toBeNull();
    const locked = await signInWithPassword(db(), right, null);
    expect(locked).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    const first = (locked as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(first).toBeGreaterThan(25);
    expect(first).toBeLessThanOrEqual(30);

    // The lock runs out; the next failure locks for twice as long (60 s).
    const key = `account:${user.email}`;
    await db().signInThrottle.update({
      where: { key },
      data: { lockedUntil: new Date(Date.now() - 1) },
    });
    expect(await signInWithPassword(db(), wrong, null)).toBeNull();
    const second = (await signInWithPassword(db(), right, null)) as { retryAfterSeconds: number };
    expect(second.retryAfterSeconds).toBeGreaterThan(55);
    expect(second.retryAfterSeconds).toBeLessThanOrEqual(60);

    await db().signInThrottle.update({
      where: { key },
      data: { lockedUntil: new Date(Date.now() - 1) },
    });
    expect(await signInWithPassword(db(), right, null)).toMatchObject({ user: { id: user.id } });
    expect(await db().signInThrottle.findUnique({ where: { key } })).toBeNull();
  });

  it("locks an address that tries many accounts, and locks unknown e-mails alike", async () => {
    const address = `203.0.113.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 6; i++) {
      expect(
        await signInWithPassword(
          db(),
          { email: uniqueEmail("nobody"), password: "guess 123" },
          address,
        ),
      ).toBeNull();
    }
    const someone = await makeUser("READER");
    const fromThere = await signInWithPassword(
      db(),
      { email: someone.email, password: someone.password },
      address,
    );
    expect(fromThere).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    // The same account from another address is not affected.
    expect(
      await signInWithPassword(
        db(),
        { email: someone.email, password: someone.password },
        "198.51.100.7",
      ),
    ).toMatchObject({ user: { id: someone.id } });
  });
});
