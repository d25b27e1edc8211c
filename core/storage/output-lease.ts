// The output lock on storage: `_kiln/lock` made with a conditional create (If-None-Match: * on
// S3) holding an owner token and a lease expiry. A holder renews the lease while it runs; a
// lock whose lease expired (its holder was SIGKILLed or lost the network) may be taken over.
//
// Where the server ignores If-None-Match (older MinIO, some gateways), a PUT always succeeds, so
// two runs could both "create" the lock. Taking a lock therefore reads it back and checks that it
// holds this run's token; a server that ignores the header but is strongly read-after-write
// consistent makes the later writer win and the earlier one see a foreign token and fail. Two
// writes racing inside one round trip can still both pass there: on such servers run one writer
// per output (the scheduler's pipeline lock), as the error message of a lost race says.
// Takeover of an expired lease is delete + conditional create. The storage interface has no
// conditional delete, so two runs that find the same expired lease in the same instant could both
// take it (the second's delete removes the first's fresh lock): leases should be long next to the
// time a run takes to start (60 s by default).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KilnError } from '../errors.js';
import type { Storage } from './storage.js';

/** The lock's key under an output. */
export const LEASE_KEY = '_kiln/lock';

interface LeaseBody {
  token: string;
  host: string;
  pid: number;
  expiresAt: number;
}

/** Another live run holds the output's lease. */
export class OutputLeasedError extends KilnError {
  constructor(where: string, holder: LeaseBody) {
    super('KILN_OUTPUT_LOCKED', `output ${where} is being written by another run (${holder.host} pid ${holder.pid}, lease until ${new Date(holder.expiresAt).toISOString()}); wait for it`, { path: where });
  }
}

/** A held lease; `release` stops renewing and deletes the lock. */
export interface OutputLease {
  token: string;
  release(): Promise<void>;
}

/** Takes the output lease of `storage`, renewing it every leaseMs/3 until released. */
export async function takeOutputLease(storage: Storage, options: { leaseMs?: number; now?: () => number } = {}): Promise<OutputLease> {
  const leaseMs = options.leaseMs ?? 60_000;
  const now = options.now ?? Date.now;
  const token = randomBytes(12).toString('hex');
  const body = (): string => JSON.stringify({ token, host: hostname(), pid: process.pid, expiresAt: now() + leaseMs } satisfies LeaseBody);
  const read = async (): Promise<LeaseBody | undefined> => {
    const b = await storage.readAll(LEASE_KEY);
    return b ? (JSON.parse(Buffer.from(b).toString('utf8')) as LeaseBody) : undefined;
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await storage.createIfAbsent(LEASE_KEY, body())) {
      const back = await read();
      if (back?.token !== token) throw new OutputLeasedError(storage.url, back ?? { token: '', host: '?', pid: 0, expiresAt: 0 });
      const timer = setInterval(() => void storage.write(LEASE_KEY, body()).catch(() => undefined), Math.max(1000, leaseMs / 3));
      timer.unref();
      return {
        token,
        release: async () => {
          clearInterval(timer);
          const cur = await read();
          if (cur?.token === token) await storage.delete(LEASE_KEY);
        },
      };
    }
    const holder = await read();
    if (holder && holder.expiresAt > now()) throw new OutputLeasedError(storage.url, holder);
    // Expired (or vanished between the two calls): remove it and race for a fresh create.
    if (holder) await storage.delete(LEASE_KEY);
  }
  throw new KilnError('KILN_OUTPUT_LOCKED', `could not take the lease of ${storage.url}: it kept changing hands`, { path: storage.url });
}
