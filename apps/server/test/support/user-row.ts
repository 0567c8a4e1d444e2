import type { UsersTable } from "../../src/db/schema.ts";

/**
 * A `users` row as the migration tests insert it straight into a database (no server running):
 * an e-mail-verified account, with the fields a test cares about overridden.
 */
export function userRow(overrides: Partial<UsersTable> = {}): UsersTable {
  return {
    id: "u1",
    email: "a@example.fr",
    display_name: "Dr A",
    password_hash: "$argon2id$x",
    role: "user",
    email_verified_at: 1,
    identity_verified_at: null,
    suspended_at: null,
    suspended_reason: null,
    national_id: null,
    identity_method: null,
    created_at: 1,
    updated_at: 1,
    ...overrides,
  };
}
