import assert from "node:assert/strict";
import { test } from "node:test";
import type { DirectorySql } from "./directory-sql.ts";
import { RunnerPool } from "./runner-pool.ts";

/** Stand-ins: the pool only hands runners out, it never calls them. */
const runners = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ name: i }) as unknown as DirectorySql);

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test("RunnerPool runs one piece per runner at a time, and the next as soon as one is free", async () => {
  const pool = new RunnerPool(runners(2));
  const gates = [deferred(), deferred(), deferred()];
  const busy = new Set<DirectorySql>();
  let most = 0;
  const started: number[] = [];
  const piece = (index: number) => async (runner: DirectorySql) => {
    assert.ok(!busy.has(runner), "a runner given twice at once");
    busy.add(runner);
    most = Math.max(most, busy.size);
    started.push(index);
    await gates[index]!.promise;
    busy.delete(runner);
  };
  await pool.start(piece(0));
  await pool.start(piece(1));
  const third = pool.start(piece(2));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1], "the third waits for a free runner");
  gates[1]!.resolve();
  await third;
  assert.deepEqual(started, [0, 1, 2]);
  gates[0]!.resolve();
  gates[2]!.resolve();
  await pool.drain();
  assert.equal(most, 2);
});

test("RunnerPool: a failed piece stops the next ones from starting, and drain throws it after the others end", async () => {
  const pool = new RunnerPool(runners(2));
  const slow = deferred();
  let slowEnded = false;
  await pool.start(async () => {
    await slow.promise;
    slowEnded = true;
  });
  const failing = deferred();
  await pool.start(() => failing.promise);
  failing.reject(new Error("page 2 failed"));
  await new Promise((resolve) => setImmediate(resolve));
  let ranAfter = false;
  await assert.rejects(
    pool.start(async () => {
      ranAfter = true;
    }),
    /page 2 failed/,
  );
  assert.equal(ranAfter, false);
  const drained = pool.drain();
  slow.resolve();
  await assert.rejects(drained, /page 2 failed/);
  assert.equal(slowEnded, true, "drain waited for the piece still running");
});
