import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "./tokens.ts";

test("row ids are url-safe and never begin with a dash (one in 64 would, drawn plainly)", () => {
  const ids = Array.from({ length: 20_000 }, newId);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{15}$/);
  assert.equal(new Set(ids).size, ids.length);
});
