import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { flags, flagsAndWords } from "../src/args.ts";
import { UsageError } from "../src/errors.ts";

describe("command-line flags", () => {
  const options = { organisation: { type: "string" }, json: { type: "boolean" } } as const;

  test("an id that begins with a dash is the value of the flag before it", () => {
    assert.deepEqual(
      { ...flags("retention show", ["--organisation", "-Xb9_q2", "--json"], options) },
      {
        organisation: "-Xb9_q2",
        json: true,
      },
    );
    assert.deepEqual(
      { ...flags("retention show", ["--organisation", "--x", "--home", "-d"], options) },
      {
        organisation: "--x",
        home: "-d",
      },
    );
    const { values, words } = flagsAndWords("invite", ["--organisation", "-Xb9", "a@b.fr"], options);
    assert.deepEqual({ ...values }, { organisation: "-Xb9" });
    assert.deepEqual(words, ["a@b.fr"]);
  });

  test("a flag where a value should be is still a forgotten value, not the value", () => {
    assert.throws(
      () => flags("retention show", ["--organisation", "--json"], options),
      (error: unknown) => error instanceof UsageError && /--organisation/.test(error.message),
    );
    assert.throws(() => flags("retention show", ["--organisation", "-h"], options), UsageError);
    assert.throws(() => flags("retention show", ["--organisation"], options), UsageError);
  });

  test("a value that begins with a dash after a switch is still a stray argument", () => {
    assert.throws(() => flags("retention show", ["--json", "-Xb9"], options), UsageError);
  });
});
