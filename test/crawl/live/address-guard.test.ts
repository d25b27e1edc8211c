import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guardedLookup, isBlockedAddress } from '../../../crawl/live/address-guard.js';
import { HostGate } from '../../../crawl/live/host-gate.js';
import { createHttpAgent, sendGet } from '../../../crawl/live/http-client.js';
import { PageFetcher } from '../../../crawl/live/page-fetcher.js';
import { htmlPage, redirect, startFaultServer, type FaultServer } from './fault-server.js';

test('non-public IPv4, IPv6 and v4-mapped addresses are blocked; public ones pass', () => {
  const blocked = [
    '127.0.0.1', '127.8.9.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0',
    '100.64.0.1', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1',
    '::ffff:10.0.0.1', '::ffff:7f00:1', '[::1]', '64:ff9b::a00:1', '2002:7f00:1::', 'fe80::1%eth0', 'not-an-ip',
  ];
  const allowed = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2001:4860:4860::8888'];
  for (const a of blocked) assert.equal(isBlockedAddress(a), true, a);
  for (const a of allowed) assert.equal(isBlockedAddress(a), false, a);
});

test('the guarded lookup refuses a name that resolves to loopback', async () => {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup('localhost', { all: true }, (e) => resolve(e)));
  assert.equal((err as unknown as { code: string })?.code, 'KILN_CRAWL_PRIVATE_ADDRESS');
});

describe('connect-time guard', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer({ '/': htmlPage('Local', ['secret']), '/hop': redirect('/') });
  });
  after(() => server.close());

  for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
    test(`the agent refuses ${host} without allowPrivate and the server sees nothing`, async () => {
      const agent = createHttpAgent({ allowPrivate: false, connectionsPerOrigin: 1, connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000 });
      const before = server.log.length;
      await assert.rejects(
        sendGet(agent, new URL(`http://${host}:${server.port}/`), {}, AbortSignal.timeout(3000)),
        (err: unknown) => (err as { code?: string }).code === 'KILN_CRAWL_PRIVATE_ADDRESS',
      );
      await agent.close();
      assert.equal(server.log.length, before);
    });
  }

  test('the fetcher reports private_address for loopback pages and redirect hops alike', async () => {
    const agent = createHttpAgent({ allowPrivate: false, connectionsPerOrigin: 1, connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000 });
    const gate = new HostGate({ maxInFlight: 1, delayMs: 0 });
    const fetcher = new PageFetcher({
      agent, gate, robots: null, userAgent: 'kilnbot/test', allowPrivate: false, contentTypes: ['text/html'], maxBodyBytes: 1e6, truncateBody: true,
      requestTimeoutMs: 2000, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, maxRetryAfterMs: 1, maxRedirects: 5,
    });
    const before = server.log.length;
    for (const u of [`http://localhost:${server.port}/hop`, `http://127.0.0.1:${server.port}/`, `http://[::1]:${server.port}/`]) {
      const out = await fetcher.fetch(u, {}, new AbortController().signal);
      assert.equal(out.kind === 'skipped' && out.reason, 'private_address', u);
    }
    gate.close();
    await agent.close();
    assert.equal(server.log.length, before);
  });

  test('a DNS answer that changes after the check (rebinding) is caught on the connected socket', async () => {
    // This lookup skips the guard and answers loopback, as a rebinding DNS server would on the
    // query that matters: only the check of socket.remoteAddress stands between it and the server.
    const lying: typeof guardedLookup = (_host, options, cb) => (options.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
    const agent = createHttpAgent({ allowPrivate: false, connectionsPerOrigin: 1, connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, lookup: lying });
    const before = server.log.length;
    await assert.rejects(sendGet(agent, new URL(`http://rebind.test:${server.port}/`), {}, AbortSignal.timeout(3000)), (err: unknown) => (err as { code?: string }).code === 'KILN_CRAWL_PRIVATE_ADDRESS');
    await agent.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.log.length, before, 'no request was sent on the rebound connection');
  });

  test('allowPrivate lets local test sites through', async () => {
    const agent = createHttpAgent({ allowPrivate: true, connectionsPerOrigin: 1, connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000 });
    const res = await sendGet(agent, new URL(`${server.origin}/`), {}, AbortSignal.timeout(3000));
    assert.equal(res.status, 200);
    await res.body.dump();
    await agent.close();
  });
});
