import { z } from "zod";

export const roleSchema = z.enum(["ADMIN", "READER"]);
export type Role = z.infer<typeof roleSchema>;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "must be a valid e-mail address" }));

export const passwordSchema = z
  .string()
  .min(8, { message: "must be at least 8 characters" })
  .max(256, { message: "must be at most 256 characters" });

export const createUserInput = z.object({
  email: emailSchema,
  name: z.string().trim().min(1).max(200).optional(),
  role: roleSchema,
  password: passwordSchema,
});
export type CreateUserInput = z.input<typeof createUserInput>;

export const credentialsInput = z.object({
  email: z.string().trim().toLowerCase().max(320),
  password: z.string().max(256),
});

/** The signed-in user as the server knows it (always read from the database). */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}
