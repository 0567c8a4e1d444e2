import assert from "node:assert/strict";
import { ConfrereError } from "@confrere/protocol";

/**
 * Awaits a call that must fail with a ConfrereError of this code (and HTTP status, when given),
 * and returns the error for further checks.
 *
 * @example
 * await rejectsWith(user.api.searchDirectory({ q: "x" }), "PROFESSIONAL_VERIFICATION_REQUIRED", 403);
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  status?: number,
): Promise<ConfrereError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfrereError, `expected a ConfrereError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (status !== undefined) assert.equal(error.status, status);
    return error;
  }
  assert.fail(`expected ${code}`);
}
