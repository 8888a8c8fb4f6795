/**
 * Who runs a region: a lease in a NATS KV bucket whose values live `ttlMs`
 * (the bucket's max age). The holder renews it every ttl/3 with a
 * compare-and-set on the revision it wrote; a renewal that fails (the key
 * expired and someone else took it) means it has lost the region, and it
 * stops publishing at once. A process without the lease checks every ttl/4
 * and takes it, with a create that fails if anyone holds it, as soon as the
 * holder's last renewal has expired. So a dead holder is replaced within
 * about ttl + ttl/4, and two processes never both believe they hold it.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';

export class Lease {
  held = false;
  /** Times this process took the lease, and the time (ms since the epoch) it last did. */
  taken = 0;
  takenAtMs = 0;
  private rev = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  private constructor(
    private readonly kv: KV,
    private readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly onChange: (held: boolean) => void,
  ) {}

  /** Opens (or makes) the bucket `bucket` with values living ttlMs, and starts trying for `key`. */
  static async open(nc: NatsConnection, bucket: string, key: string, owner: string, ttlMs: number, onChange: (held: boolean) => void, replicas = 1): Promise<Lease> {
    const kv = await new Kvm(nc).create(bucket, { ttl: ttlMs, history: 1, replicas });
    const l = new Lease(kv, key, owner, ttlMs, onChange);
    await l.tick();
    l.timer = setInterval(() => void l.tick(), Math.max(50, Math.floor(ttlMs / 4)));
    return l;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.held) {
        if (Date.now() - this.renewedAtMs >= this.ttlMs / 3) {
          try {
            this.rev = await this.kv.update(this.key, this.owner, this.rev, Math.max(200, Math.floor(this.ttlMs / 2))); // an answer after expiry is no renewal
            this.renewedAtMs = Date.now();
          } catch {
            this.held = false;
            this.onChange(false);
          }
        }
        return;
      }
      try {
        this.rev = await this.kv.create(this.key, this.owner);
      } catch {
        return; // someone holds it
      }
      this.held = true;
      this.taken++;
      this.takenAtMs = this.renewedAtMs = Date.now();
      this.onChange(true);
    } finally {
      this.busy = false;
    }
  }

  private renewedAtMs = 0;

  /** Stops renewing; with release, gives the lease up at once (a clean stop). */
  async close(release: boolean): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (release && this.held) await this.kv.delete(this.key, { previousSeq: this.rev }).catch(() => {});
    this.held = false;
  }
}
