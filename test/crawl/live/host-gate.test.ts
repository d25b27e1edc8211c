import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostGate } from '../../../crawl/live/host-gate.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('at most maxInFlight requests per host run at once; other hosts are not held up', async () => {
  const gate = new HostGate({ maxInFlight: 2, delayMs: 0 });
  let active = 0;
  let peak = 0;
  const job = async (host: string) => {
    const release = await gate.acquire(host);
    active++;
    peak = Math.max(peak, active);
    await sleep(20);
    active--;
    release();
  };
  const t0 = Date.now();
  await Promise.all([...Array(6)].map(() => job('a.test')));
  assert.equal(peak, 2);
  assert.ok(Date.now() - t0 >= 55, 'six 20 ms jobs two at a time take three rounds');
  peak = 0;
  await Promise.all(['a', 'b', 'c'].map((h) => job(`${h}.test`)));
  assert.equal(peak, 3);
  gate.close();
});

test('request starts to one host are spaced by the delay; setDelay only raises it', async () => {
  const gate = new HostGate({ maxInFlight: 10, delayMs: 30 });
  gate.setDelay('h', 10); // lower than the default: ignored
  // Times are taken from before the first request: a start seen late (the process descheduled
  // between the gate's grant and the waiter running, as on a loaded machine) shortens the gap to
  // the next start as seen here, but never moves the k-th start earlier than k delays after t0.
  const t0 = Date.now();
  const starts: number[] = [];
  await Promise.all([...Array(4)].map(async () => {
    const release = await gate.acquire('h');
    starts.push(Date.now() - t0);
    release();
  }));
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i] >= 30 * i, `start ${i} at ${starts[i]} ms, before ${30 * i} ms`);
  gate.close();
});

test('blockFor (Retry-After) holds every request to the host until the deadline', async () => {
  const gate = new HostGate({ maxInFlight: 4, delayMs: 0 });
  gate.blockFor('h', 80);
  const t0 = Date.now();
  (await gate.acquire('h'))();
  assert.ok(Date.now() - t0 >= 75);
  (await gate.acquire('other'))();
  gate.close();
});

test('an aborted waiter leaves the queue without taking a slot', async () => {
  const gate = new HostGate({ maxInFlight: 1, delayMs: 0 });
  const hold = await gate.acquire('h');
  const ac = new AbortController();
  const waiting = gate.acquire('h', ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  hold();
  const next = await gate.acquire('h');
  next();
  gate.close();
});
