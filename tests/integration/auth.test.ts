import { describe, expect, it } from "vitest";
import {
  authenticateWithPassword,
  createApiToken,
  createUser,
  hashApiToken,
  revokeApiToken,
} from "@/server/auth/mutations";
import { resolveApiToken } from "@/server/auth/data";
import { db, makeUser, uniqueEmail } from "./helpers";

describe("users and passwords", () => {
  it("stores an argon2id hash, never the password", async () => {
    const user = await makeUser("READER", "a long enough secret");
    const row = await db().user.findUniqueOrThrow({
      where: { id: user.id },
      select: { passwordHash: true },
    });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain("a long enough secret");
  });

  it("signs in with the right password and answers null, alike, for every wrong part", async () => {
    const user = await makeUser("ADMIN", "right password here");
    await expect(
      authenticateWithPassword(db(), { email: user.email, password: "right password here" }),
    ).resolves.toMatchObject({
      id: user.id,
      role: "ADMIN",
    });
    // E-mail is matched case-insensitively, as users type it.
    await expect(
      authenticateWithPassword(db(), {
        email: user.email.toUpperCase(),
        password: "right password here",
      }),
    ).resolves.toMatchObject({ id: user.id });
    await expect(
      authenticateWithPassword(db(), { email: user.email, password: "wrong" }),
    ).resolves.toBeNull();
    await expect(
      authenticateWithPassword(db(), {
        email: uniqueEmail("nobody"),
        password: "right password here",
      }),
    ).resolves.toBeNull();
    await expect(authenticateWithPassword(db(), { email: 42 })).resolves.toBeNull();
    await db().user.update({ where: { id: user.id }, data: { isActive: false } });
    await expect(
      authenticateWithPassword(db(), { email: user.email, password: "right password here" }),
    ).resolves.toBeNull();
  });

  it("refuses a duplicate e-mail, a short password and an unknown role with clear messages", async () => {
    const user = await makeUser("READER");
    await expect(
      createUser(db(), { email: user.email, role: "READER", password: "another password" }),
    ).rejects.toThrow(/already exists/);
    await expect(
      createUser(db(), { email: uniqueEmail("x"), role: "READER", password: "short" }),
    ).rejects.toThrow(/at least 8 characters/);
    await expect(
      createUser(db(), {
        email: uniqueEmail("x"),
        role: "OWNER" as "ADMIN",
        password: "long enough password",
      }),
    ).rejects.toThrow();
  });
});

describe("API tokens", () => {
  it("stores only the hash, resolves to the user, and stops working when revoked", async () => {
    const admin = await makeUser("ADMIN");
    const created = await createApiToken(db(), { email: admin.email });
    const row = await db().apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toBe(hashApiToken(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);
    await expect(resolveApiToken(db(), created.token)).resolves.toBe(admin.id);
    await expect(resolveApiToken(db(), created.token + "x")).resolves.toBeNull();
    expect(await revokeApiToken(db(), created.prefix)).toBe(1);
    await expect(resolveApiToken(db(), created.token)).resolves.toBeNull();
    expect(await revokeApiToken(db(), created.token)).toBe(0);
  });

  it("is refused for an unknown user", async () => {
    await expect(createApiToken(db(), { email: uniqueEmail("ghost") })).rejects.toThrow(
      /No active user/,
    );
  });
});
