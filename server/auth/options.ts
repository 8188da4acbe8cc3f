import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "../db/client";
import { oidcSettings } from "../env";
import { signInWithPassword } from "./mutations";
import { oidcProvider, type OidcUser } from "./oidc";
import { OIDC_PROVIDER_ID } from "./sign-in-page";

/** The client's address as the proxy in front reports it (first X-Forwarded-For hop). */
function clientAddress(headers: Record<string, unknown> | undefined): string | null {
  const forwarded = headers?.["x-forwarded-for"];
  const first = typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : undefined;
  const real = headers?.["x-real-ip"];
  return first || (typeof real === "string" ? real : null);
}

const SESSION_HOURS = 12;

const oidc = oidcSettings();

export const authOptions: NextAuthOptions = {
  // Credentials sign-in needs JWT sessions; the token carries only the user id, and every
  // request re-reads role and active flag from the database.
  session: { strategy: "jwt", maxAge: SESSION_HOURS * 3600 },
  // Refusals and provider failures come back to the sign-in page as `?error=<code>`.
  pages: { signIn: "/signin", error: "/signin" },
  providers: [
    CredentialsProvider({
      name: "E-mail and password",
      credentials: {
        email: { label: "E-mail", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, req) {
        const result = await signInWithPassword(getDb(), credentials, clientAddress(req?.headers));
        if (result && "retryAfterSeconds" in result) {
          // next-auth hands this message to the sign-in page as the error.
          throw new Error(`locked:${result.retryAfterSeconds}`);
        }
        if (!result) return null;
        const { sessionVersion } = await getDb().user.findUniqueOrThrow({
          where: { id: result.user.id },
          select: { sessionVersion: true },
        });
        return {
          id: result.user.id,
          email: result.user.email,
          name: result.user.name,
          sv: sessionVersion,
        };
      },
    }),
    ...(oidc ? [oidcProvider(oidc)] : []),
  ],
  callbacks: {
    signIn({ user, account }) {
      const refusal = account?.provider === OIDC_PROVIDER_ID && (user as OidcUser).refusal;
      // next-auth sends a thrown error's message to the error page, here the sign-in page.
      if (refusal) throw new Error(refusal);
      return true;
    },
    jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        // The session version it was issued under: raising the user's ends this session.
        token.sv = (user as { sv?: number }).sv ?? 0;
      }
      return token;
    },
    session({ session, token }) {
      return { ...session, userId: token.sub, sv: token.sv };
    },
  },
};
