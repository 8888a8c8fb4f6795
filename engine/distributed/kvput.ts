/**
 * Latest values into a KV bucket, never holding a step back: the bucket is
 * opened (made if absent) in the background and tried again every 2 s until
 * it opens; puts go one at a time, and a newer value for a key replaces one
 * not yet put (what the bucket is for is the last value of each key, not
 * every value). A put that fails is dropped: the next value of that key
 * brings it up to date.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';

export class LatestPuts {
  private kv: KV | undefined;
  private readonly pending = new Map<string, string>();
  private loop: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly bucket: string,
    private readonly log?: (line: string) => void,
  ) {}

  /** Opens the bucket (history 1, `replicas`), retrying until it opens or close() is called; puts made before then wait. */
  async open(nc: NatsConnection, replicas: number): Promise<void> {
    while (!this.closing && !this.kv) {
      try {
        this.kv = await new Kvm(nc).create(this.bucket, { history: 1, replicas });
      } catch (e) {
        this.log?.(`the ${this.bucket} bucket: ${(e as Error).message}; again in 2 s`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    this.drain();
  }

  put(key: string, value: string): void {
    this.pending.set(key, value);
    this.drain();
  }

  private drain(): void {
    const kv = this.kv;
    if (this.loop || !kv || !this.pending.size) return;
    this.loop = (async () => {
      for (let next = this.pending.keys().next(); !next.done; next = this.pending.keys().next()) {
        const key = next.value;
        const v = this.pending.get(key)!;
        this.pending.delete(key);
        await kv.put(key, v).catch(() => {});
      }
      this.loop = undefined;
    })();
  }

  /** Waits (at most `ms`) for the values not yet put; no put starts after it. */
  async close(ms: number): Promise<void> {
    this.closing = true;
    if (this.loop) await Promise.race([this.loop, new Promise((r) => setTimeout(r, ms).unref())]);
    this.pending.clear();
  }
}
