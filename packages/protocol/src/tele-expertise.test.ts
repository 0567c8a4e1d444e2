import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { applicableActs, TELE_EXPERTISE_ACTS } from "./tele-expertise.ts";

describe("télé-expertise acts", () => {
  const codes = (date: string, role: "requerant" | "requis") =>
    applicableActs(date, role).map((a) => `${a.code} ${a.euros}`);

  test("they depend on the date and the role (avenant 9 from 1 April 2022)", () => {
    assert.deepEqual(codes("2021-06-01", "requis"), ["TE1 12", "TE2 20"]);
    assert.deepEqual(codes("2021-06-01", "requerant"), []);
    assert.deepEqual(codes("2022-03-31", "requis"), ["TE1 12", "TE2 20"]);
    assert.deepEqual(codes("2022-04-01", "requis"), ["TE2 20"]);
    assert.deepEqual(codes("2022-04-01", "requerant"), ["RQD 10"]);
    assert.deepEqual(codes("2018-12-01", "requis"), []);
  });

  test("epoch times are read in Paris: 31 March 2022 22:30 UTC is already 1 April there", () => {
    assert.deepEqual(
      applicableActs(Date.UTC(2022, 2, 31, 22, 30), "requerant").map((a) => a.code),
      ["RQD"],
    );
    assert.deepEqual(
      applicableActs(new Date(Date.UTC(2022, 2, 31, 21, 30)), "requerant").map((a) => a.code),
      [],
    );
  });

  test("from 2022 on, each role has exactly one act on any day", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2022-04-01T12:00:00Z"), max: new Date("2100-01-01"), noInvalidDate: true }),
        (day) => {
          assert.equal(applicableActs(day, "requis").length, 1);
          assert.equal(applicableActs(day, "requerant").length, 1);
        },
      ),
    );
    for (const act of TELE_EXPERTISE_ACTS)
      assert.ok(act.validUntil === null || act.validFrom < act.validUntil);
  });
});
