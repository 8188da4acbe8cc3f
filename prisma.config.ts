import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";
import { parseDatabaseUrl } from "./server/db/connection";

// The JS engine avoids Prisma's downloadable native engines, which many hospital
// networks (and this project's build machines) cannot reach.
export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    new PrismaPg(parseDatabaseUrl(process.env.DATABASE_URL ?? "postgresql://localhost/unused")),
});
