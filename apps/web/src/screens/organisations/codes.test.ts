import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBulkLines, splitCodes } from "./codes.ts";

test("splitCodes reads codes separated by commas, spaces or lines, once each, upper-cased", () => {
  assert.deepEqual(splitCodes(" 89024, 89025\n2a004;89024 "), ["89024", "89025", "2A004"]);
  assert.deepEqual(splitCodes("  \n "), []);
});

test("parseBulkLines turns RPPS and ADELI numbers into national ids and keeps other input for the server", () => {
  assert.deepEqual(
    parseBulkLines(
      "10785900399;dr.leroy@example.fr\n\n 107 859 003 99 , b@example.fr\n012345678\tc@example.fr\nabc;d@x",
    ),
    [
      { nationalId: "810785900399", email: "dr.leroy@example.fr", source: "10785900399;dr.leroy@example.fr" },
      { nationalId: "810785900399", email: "b@example.fr", source: "107 859 003 99 , b@example.fr" },
      { nationalId: "0012345678", email: "c@example.fr", source: "012345678\tc@example.fr" },
      { nationalId: "abc", email: "d@x", source: "abc;d@x" },
    ],
  );
});
