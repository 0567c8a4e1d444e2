import assert from "node:assert/strict";
import { test } from "node:test";
import { CoalescingQueue } from "./coalescing-queue.ts";
import { Mutex } from "./mutex.ts";

/** A task the test finishes by hand. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

test("requests made while a run waits for its turn join it; one made after it started queues another", async () => {
  const mutex = new Mutex();
  const queue = new CoalescingQueue<string>(mutex);
  // Something else holds the mutex (a send, another catch-up).
  const busy = gate();
  const holding = mutex.run(() => busy.opened);

  const runs: string[] = [];
  const firstRun = gate();
  const burst = [1, 2, 3].map(() =>
    queue.run("socket-a", async () => {
      runs.push("a");
      await firstRun.opened;
    }),
  );
  assert.equal(burst[1], burst[0], "the second request joins the waiting run");
  assert.equal(burst[2], burst[0]);
  // Another key (a new socket) never joins the old one's run.
  const other = queue.run("socket-b", async () => {
    runs.push("b");
  });
  assert.notEqual(other, burst[0]);

  busy.open();
  await holding;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(runs, ["a"], "one run for the burst, now started");
  // Started: what prompted this request may have come after its reads, so it runs again.
  const later = queue.run("socket-a", async () => {
    runs.push("a again");
  });
  assert.notEqual(later, burst[0]);
  firstRun.open();
  await Promise.all([...burst, other, later]);
  assert.deepEqual(runs, ["a", "b", "a again"]);
});

test("a failed run rejects every request that joined it, and the next request runs again", async () => {
  const queue = new CoalescingQueue<string>(new Mutex());
  const failing = [1, 2].map(() =>
    queue.run("socket", async () => {
      throw new Error("server unreachable");
    }),
  );
  for (const request of failing) await assert.rejects(request, /server unreachable/);
  let ran = false;
  await queue.run("socket", async () => {
    ran = true;
  });
  assert.equal(ran, true);
});
