import assert from "node:assert/strict";
import { test } from "node:test";
import { identifierProblem, isIdentifierCode } from "./identifier.ts";

test("identifierProblem reads RPPS, ADELI and national ids as the server does, spaces ignored", () => {
  assert.equal(identifierProblem("10785900399"), null);
  assert.equal(identifierProblem("107 859 003 99"), null);
  assert.equal(identifierProblem("810785900399"), null);
  assert.equal(identifierProblem("10785900398"), "RPPS_INVALID_KEY");
  assert.equal(identifierProblem("810785900398"), "NATIONAL_ID_INVALID_KEY");
  assert.equal(identifierProblem("1234"), "CLAIM_IDENTIFIER_INVALID");
  assert.equal(identifierProblem("abc"), "CLAIM_IDENTIFIER_INVALID");
  assert.equal(identifierProblem(""), "CLAIM_IDENTIFIER_INVALID");
});

test("isIdentifierCode tells the number's own errors from the others", () => {
  assert.ok(isIdentifierCode("ADELI_INVALID_KEY"));
  assert.ok(isIdentifierCode("CLAIM_IDENTIFIER_INVALID"));
  assert.ok(!isIdentifierCode("CLAIM_NAME_MISMATCH"));
});
