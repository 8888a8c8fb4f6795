/**
 * One region of a city (`greenwave region`): the engine of the live service
 * (a cabinet: detector diagnostics, the controller, the signal layer, the
 * conflict monitor) for the signals of region K, fed over NATS.
 *
 * Readings come from the JetStream stream through the region's durable
 * consumers, one per region whose readings it needs (each intersection's
 * readings are published under its region: its own, and those of the
 * regions across its boundary roads, which its controller reads). The
 * region keeps those of its own intersections and of the intersections
 * next to them, and acknowledges them only once the engine has applied
 * them; the others it acknowledges at once. When the field announces step t and every
 * reading the region needs for t has come, the engine steps, and the region
 * publishes what its controller decided for its own signals and what they
 * show. Steps are taken strictly in order. A reading that is not valid JSON,
 * is for another scenario, or names a detector the network lacks is counted
 * and terminated (never redelivered, never applied).
 */
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { Cabinet, type SignalCall } from '../cabinet/index.js';
import { DetectorArrays } from '../detectors/index.js';
import { INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';
import type { Router } from '../network/routing.js';
import { Kvm } from '@nats-io/kv';
import { LatestPuts } from './kvput.js';
import { Lease } from './lease.js';
import { whileElecting } from './retry.js';
import { applyReadings, detectorsByIntersection, names, parseEv, parseReadings, type Decisions, type EvMessage, type Readings } from './wire.js';

export interface RegionOptions {
  net: CompiledNetwork;
  router: Router;
  controller: string;
  /** Region of every intersection (partitionNetwork's regionOf), and this one's index. */
  regionOf: Int32Array;
  index: number;
  servers: string | string[];
  city: string;
  hash: string;
  /** A standby: runs the engine in step with the others (a hot standby) and publishes only once it holds the region's lease. */
  standby?: boolean;
  /** A cold standby: starts from region K's last answer in the states bucket (after its primary died), then takes the lease. */
  resume?: boolean;
  /** How long the region's lease lives without renewal (ms, default 2,000). */
  leaseTtlMs?: number;
  /** Stream and bucket replicas (3 on a three-node cluster; default 1). */
  replicas?: number;
  /** Steps in the run: after the last one the region ends by itself if the field's end is not heard (a missed message). */
  steps?: number;
  log?: (line: string) => void;
}

/** The stream every reading and emergency-vehicle message goes to (created if absent): limited in age and size, replicated when the cluster has the nodes. */
export async function ensureStream(nc: NatsConnection, city: string, replicas = 1): Promise<void> {
  const n = names(city);
  const jsm = await jetstreamManager(nc);
  const subjects = [n.detAll, n.ev];
  let info;
  try {
    info = await jsm.streams.info(n.detStream);
  } catch {
    await jsm.streams.add({ name: n.detStream, subjects, max_age: 3600 * 1e9, max_bytes: 1 << 30, num_replicas: replicas });
    return;
  }
  // a stream made by an earlier version, for the readings only
  if (!subjects.every((x) => info.config.subjects?.includes(x))) await jsm.streams.update(n.detStream, { ...info.config, subjects });
}

export class RegionEngine {
  readonly cabinet: Cabinet;
  readonly counts = { steps: 0, readingsApplied: 0, readingsIgnored: 0, deadLettered: 0, published: 0, readFromStream: 0, evApplied: 0 };
  lease: Lease | undefined;
  private readonly o: RegionOptions;
  /** The region's log, each line prefixed with the region. */
  private readonly log: (line: string) => void;
  private readonly n: ReturnType<typeof names>;
  /** Intersections whose readings the engine needs. */
  private readonly needed: Set<number>;
  private readonly own: number[];
  private nc: NatsConnection | undefined;
  private sub: Subscription | undefined;
  /** Per region whose readings this one reads: its consumer's messages. */
  private readonly msgs = new Map<number, ConsumerMessages>();
  /** The regions whose intersections' readings this one needs (its own and its neighbours'), in order. */
  private readonly groups: number[];
  /** Per step: the readings (and their messages, to acknowledge) received so far. */
  private readonly buffer = new Map<number, Map<number, { r: Readings; m?: JsMsg }>>();
  private readonly announced: number[] = [];
  private nextT = 0;
  private decided: Decisions['decided'] = [];
  private before: Array<[number, SignalCall]> = [];
  private events: NonNullable<Decisions['events']> = [];
  /** Emergency-vehicle messages received and not yet applied, by number; the next to apply; how many the field has announced as stored. */
  private readonly evBuffer = new Map<number, { e: EvMessage; m: JsMsg }>();
  private evNext = 0;
  private evKnown = 0;
  /** The last step's answer, sent again when this process takes the lease (the field may be waiting for it). */
  private last: string | undefined;
  private failed: ((e: Error) => void) | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(o: RegionOptions) {
    this.o = o;
    this.n = names(o.city);
    const net = o.net;
    const own = (i: number): boolean => o.regionOf[i] === o.index;
    this.own = [];
    for (let i = 0; i < net.nInter; i++) if (own(i) && net.interType[i] === INTER_SIGNAL && net.interPhaseStart[i + 1]! > net.interPhaseStart[i]!) this.own.push(i);
    const dets = detectorsByIntersection(net);
    this.needed = new Set();
    for (let r = 0; r < net.nRoads; r++) {
      const a = net.roadFrom[r]!;
      const b = net.roadTo[r]!;
      if (own(a) || own(b)) for (const i of [a, b]) if (dets[i]!.length) this.needed.add(i);
    }
    this.groups = [...new Set([...this.needed].map((i) => o.regionOf[i]!))].sort((a, b) => a - b);
    const ownSet = new Set(this.own);
    // the controller stack's calls and decisions for this region's signals go to the field; pre-emption follows the
    // emergency vehicles on the routes the field's dispatcher gave them (every region the same), from their reports
    this.cabinet = new Cabinet({
      net,
      router: o.router,
      controller: o.controller,
      detectors: new DetectorArrays(net.detectorIds.length),
      tap: {
        before: (_t, calls) => {
          this.before = calls.filter(([ix]) => ownSet.has(ix));
        },
        decided: (ix, _t, calls, next) => {
          if (ownSet.has(ix)) this.decided.push([ix, calls, next]);
        },
      },
    });
    this.cabinet.preemption.listener = (e) => {
      if (ownSet.has(e.inter)) this.events.push([e.tMs, e.code, e.inter, e.vehicle]);
    };
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.log = (line) => o.log?.(`region ${o.index}: ${line}`);
    this.states = new LatestPuts(this.n.statesBucket, this.log);
    this.plans = new LatestPuts(this.n.plansBucket, this.log);
  }

  /** Connects, makes sure the stream and this region's consumer exist, and starts serving steps. */
  async start(): Promise<void> {
    const nc = await connect({ servers: this.o.servers, name: `greenwave-region-${this.o.index}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    this.nc = nc;
    await whileElecting('making the readings stream', () => ensureStream(nc, this.o.city, this.o.replicas ?? 1), this.log);
    if (this.o.resume) await this.resumeFromBucket(nc);
    // one consumer per region whose intersections' readings this one needs (its own, its neighbours'), each
    // filtered to that region's subjects (NATS 2.9 takes one filter a consumer): the rest of the city is not read
    const suffix = this.o.resume ? '-resumed' : this.o.standby ? '-standby' : '';
    for (const g of this.groups) {
      await this.consume(nc, this.n.consumer(this.o.index, g) + suffix, this.n.detGroup(g), g, (m) => this.onReading(m));
    }
    // and every emergency-vehicle message (a vehicle's route crosses regions)
    await this.consume(nc, this.n.evConsumer(this.o.index) + suffix, this.n.ev, -1, (m) => this.onEv(m));
    void this.states.open(nc, this.o.replicas ?? 1);
    void this.plans.open(nc, this.o.replicas ?? 1);
    this.sub = nc.subscribe(this.n.step, {
      callback: (err, msg) => {
        if (err) return this.fail(err);
        let v: { hash?: unknown; t?: unknown; end?: unknown; ev?: unknown };
        try {
          v = msg.json();
        } catch {
          return;
        }
        if (v.hash !== this.o.hash) return this.fail(new Error(`the field runs another scenario (hash ${String(v.hash).slice(0, 20)}, this region ${this.o.hash}): start every process with the same scenario, seed and duration`));
        if (v.end === true) {
          void this.stop();
          return;
        }
        if (typeof v.t !== 'number') return;
        // the emergency-vehicle messages stored so far (each step waits for them all: few, and in order)
        if (typeof v.ev === 'number' && v.ev > this.evKnown) this.evKnown = v.ev;
        if (v.t < this.nextT) {
          // announced again: the field missed our answer (a reconnect, a takeover): say it again
          if (v.t === this.nextT - this.o.net.stepMs && this.last && this.lease?.held) this.nc!.publish(this.n.decisions(this.o.index), this.last);
          return;
        }
        // the field announces t once every reading up to t is stored: a step this process did not hear announced is due too
        const from = this.announced.length ? this.announced[this.announced.length - 1]! + this.o.net.stepMs : this.nextT;
        for (let u = from; u <= v.t; u += this.o.net.stepMs) this.announced.push(u);
        this.pump();
        // readings the consumer has not brought for 2 s (a delivery lost with its node is redelivered only
        // after ack_wait): read them straight from the stream, where the field was told they are stored
        if (this.announced[0] === this.blockedT && Date.now() - this.blockedSinceMs > 2000) void this.fillFromStream(this.blockedT);
        // waiting for readings that do not come (a pull lost with its node): start reading the stream again
        if (this.announced.length && Date.now() - this.lastReadingMs > 3000 && this.msgs.size) {
          this.lastReadingMs = Date.now();
          this.log(`no readings for 3 s while a step waits; reading the stream again`);
          for (const msgs of this.msgs.values()) void msgs.close().catch(() => {});
        }
      },
    });
    const ttl = this.o.leaseTtlMs ?? 2000;
    const who = `${this.o.resume ? 'resumed' : this.o.standby ? 'standby' : 'primary'}-${process.pid}`;
    const takeLease = async (): Promise<void> => {
      this.lease = await whileElecting('opening the lease bucket', () => Lease.open(nc, `greenwave_${this.o.city}_leases`, `region.${this.o.index}`, who, ttl, (held) => {
        if (held) {
          this.log(`${who} holds the lease${this.lease && this.lease.taken > 1 ? ' again' : ''}`);
          this.plansPut.clear(); // the plans are put again from the next step on
          if (this.last && this.nc && !this.nc.isClosed()) this.nc.publish(this.n.decisions(this.o.index), this.last);
        } else this.log(`${who} lost the lease; publishing nothing`);
      }, this.o.replicas ?? 1), this.log);
    };
    // a standby lets the primary take the lease first
    if (this.o.standby || this.o.resume) setTimeout(() => void takeLease().catch((e: Error) => this.fail(e)), ttl);
    else await takeLease();
    this.log(`${this.own.length} signals, reading ${this.needed.size} intersections${this.o.standby ? ' (standby)' : ''}; waiting for the field`);
  }

  /**
   * Makes durable consumer `durable` of the subjects `filter` if absent, then
   * reads it for as long as the region runs. Short pulls (and heartbeats every
   * second): after a reconnect or a new consumer leader, the pull is renewed
   * within seconds; and if the consumption ends for any reason while the
   * region runs, it starts again.
   */
  private async consume(nc: NatsConnection, durable: string, filter: string, key: number, onMsg: (m: JsMsg) => void): Promise<void> {
    const jsm = await jetstreamManager(nc);
    await whileElecting('making its consumers', async () => {
      try {
        await jsm.consumers.info(this.n.detStream, durable);
      } catch {
        await jsm.consumers.add(this.n.detStream, { durable_name: durable, filter_subject: filter, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: 100_000, ack_wait: 10e9 });
      }
    }, this.log);
    void (async () => {
      while (!this.closing) {
        try {
          const consumer = await jetstream(nc).consumers.get(this.n.detStream, durable);
          const msgs = await consumer.consume({ max_messages: 2000, expires: 2000 });
          this.msgs.set(key, msgs);
          for await (const m of msgs) onMsg(m);
        } catch (e) {
          this.log(`reading the stream: ${(e as Error).message}; again in 0.5 s`);
        }
        if (!this.closing) await new Promise((r) => setTimeout(r, 500));
      }
    })();
  }

  private onEv(m: JsMsg): void {
    this.lastReadingMs = Date.now();
    const e = parseEv(m.string(), this.o.hash, this.o.net);
    if (!e) {
      this.counts.deadLettered++;
      m.term();
      return;
    }
    if (e.seq < this.evNext) {
      m.ack(); // a redelivery of one applied
      return;
    }
    this.evBuffer.get(e.seq)?.m.ack();
    this.evBuffer.set(e.seq, { e, m });
    this.pump();
  }

  /** The emergency-vehicle messages the field has announced as stored have all come. */
  private evComplete(): boolean {
    for (let q = this.evNext; q < this.evKnown; q++) if (!this.evBuffer.has(q)) return false;
    return true;
  }

  /** Each region's last answer (key region.K) and every signal's plan in force (key signal.I), kept up to date without holding a step back. */
  private readonly states: LatestPuts;
  private readonly plans: LatestPuts;
  /** Per own signal, the plan last put (as put, without its step), and the plan set's version last looked at. */
  private readonly plansPut = new Map<number, string>();
  private plansVersion = -1;

  /**
   * A cold standby's start: the signals as region K last said they were, each
   * through the safety layer as if its stage began now (a green serves its
   * whole minimum again, a clearance its whole yellow and all-red: never a
   * cut-short display), and the steps from the one after that answer on.
   */
  private async resumeFromBucket(nc: NatsConnection): Promise<void> {
    let text: string | undefined;
    try {
      const kv = await new Kvm(nc).open(this.n.statesBucket);
      const e = await kv.get(this.n.statesKey(this.o.index));
      if (e && e.length) text = e.string();
    } catch {
      /* no bucket: nothing was published */
    }
    if (!text) return this.log(`no last answer in ${this.n.statesBucket}; starting from t = 0`);
    const d = JSON.parse(text) as Decisions;
    if (d.hash !== this.o.hash) throw new Error(`the states bucket holds another scenario's answer (hash ${String(d.hash).slice(0, 20)}, this region ${this.o.hash})`);
    const sig = this.cabinet.signals;
    for (const [i, phase, stage, target] of d.states) if (this.own.includes(i)) sig.show(i, phase, stage, target, d.t, true);
    this.nextT = d.t + this.o.net.stepMs;
    this.last = text;
    this.log(`resuming after t = ${d.t / 1000} s from the states bucket (${d.states.length} signals)`);
  }

  /** Puts the plans of this region's signals that changed since they were last put (the plan set's version tells when to look). */
  private putPlans(t: number): void {
    const set = this.cabinet.plans();
    if (!set || (set.version === this.plansVersion && this.plansPut.size)) return;
    this.plansVersion = set.version;
    for (const i of this.own) {
      const pl = set.plan(i);
      if (!pl) continue;
      const body = `"inter":${i},"cycleMs":${pl.cycleMs},"offsetMs":${pl.offsetMs},"phases":${JSON.stringify(pl.phases.map((p) => [p.phase, p.startMs, p.greenMs]))}`;
      if (this.plansPut.get(i) === body) continue;
      this.plansPut.set(i, body);
      this.plans.put(this.n.planKey(i), `{"hash":${JSON.stringify(this.o.hash)},"t":${t},${body}}`);
    }
  }

  /** Resolves when the field says the run is over; rejects on a fatal error. */
  wait(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.failed = reject;
      void this.done.then(resolve);
    });
  }

  /** A fatal error: the region lets go of NATS (so its process can end) and wait() rejects. */
  private fail(e: Error): void {
    void this.close().finally(() => {
      if (this.failed) this.failed(e);
      else this.log(`${e.message}`);
    });
  }

  private lastReadingMs = Date.now();

  private onReading(m: JsMsg): void {
    this.lastReadingMs = Date.now();
    const r = parseReadings(m.string(), this.o.hash);
    if (!r) {
      this.counts.deadLettered++;
      m.term();
      return;
    }
    if (!this.needed.has(r.inter) || r.t < this.nextT) {
      this.counts.readingsIgnored++;
      m.ack();
      return;
    }
    let b = this.buffer.get(r.t);
    if (!b) this.buffer.set(r.t, (b = new Map()));
    b.get(r.inter)?.m?.ack(); // a redelivery: keep the latest
    b.set(r.inter, { r, m });
    this.pump();
  }

  /** The step waiting for readings, and since when (fillFromStream). */
  private blockedT = -1;
  private blockedSinceMs = 0;
  private filling = false;

  /**
   * Step t's readings that have not come through the consumer, read from the
   * stream (the last message of each intersection's subject, when it is
   * t's). The consumer's copy, when it comes, is acknowledged as one for a
   * step already taken.
   */
  private async fillFromStream(t: number): Promise<void> {
    if (this.filling || !this.nc || this.nc.isClosed()) return;
    this.filling = true;
    try {
      // all at once, each bounded (while a new stream leader is elected they time out: tried again at the next announcement)
      const jsm = await jetstreamManager(this.nc, { timeout: 2000 });
      let b = this.buffer.get(t);
      if (!b) this.buffer.set(t, (b = new Map()));
      const missing = [...this.needed].filter((i) => !b!.has(i));
      const found = await Promise.all(missing.map((i) => jsm.streams.getMessage(this.n.detStream, { last_by_subj: this.n.det(this.o.regionOf[i]!, i) }).catch(() => null)));
      let got = 0;
      missing.forEach((i, j) => {
        const m = found[j];
        const r = m ? parseReadings(m.string(), this.o.hash) : undefined;
        if (r && r.t === t && r.inter === i && !b!.has(i) && t >= this.nextT) {
          b!.set(i, { r });
          got++;
        }
      });
      this.counts.readFromStream += got;
      if (got) this.log(`t = ${t / 1000} s: ${got} readings the consumer had not brought, read from the stream`);
    } catch (e) {
      this.log(`reading t = ${t / 1000} s from the stream: ${(e as Error).message}`);
    } finally {
      this.filling = false;
    }
    this.pump();
  }

  /** Takes every announced step whose readings have all come, in order. */
  private pump(): void {
    while (this.announced.length && this.announced[0]! === this.nextT) {
      const t = this.nextT;
      const b = this.buffer.get(t);
      if (!b || b.size < this.needed.size || !this.evComplete()) {
        if (this.blockedT !== t) {
          this.blockedT = t;
          this.blockedSinceMs = Date.now();
        }
        return;
      }
      this.announced.shift();
      this.buffer.delete(t);
      const det = this.cabinet.detectors;
      const applied: JsMsg[] = [];
      for (const { r, m } of b.values())
        if (applyReadings(r, det)) {
          if (m) applied.push(m);
          this.counts.readingsApplied++;
        } else {
          this.counts.deadLettered++;
          m?.term();
        }
      det.timeMs = t;
      this.events = [];
      // the emergency vehicles' messages up to t, in order, before the step (as the manager of one process has them)
      const evDone: JsMsg[] = [];
      for (let x = this.evBuffer.get(this.evNext); x && x.e.t <= t; x = this.evBuffer.get(this.evNext)) {
        this.evBuffer.delete(this.evNext++);
        this.cabinet.preemption.follow(x.e.m);
        evDone.push(x.m);
        this.counts.evApplied++;
      }
      this.decided = [];
      if (this.cabinet.step(t)) throw new Error('region engines run their controller in their own thread');
      const s = this.cabinet.signals;
      const msg: Decisions = { hash: this.o.hash, t, region: this.o.index, decided: this.decided, ...(this.before.length ? { before: this.before } : {}), ...(this.events.length ? { events: this.events } : {}), states: this.own.map((i) => [i, s.phaseOf(i), s.stageOf(i), s.targetOf(i)]) };
      this.last = JSON.stringify(msg);
      if (this.lease?.held) {
        this.nc!.publish(this.n.decisions(this.o.index), this.last);
        this.states.put(this.n.statesKey(this.o.index), this.last);
        this.putPlans(t);
        this.counts.published++;
      }
      for (const m of applied) m.ack(); // applied: now acknowledged
      for (const m of evDone) m.ack();
      this.counts.steps++;
      this.nextT = t + this.o.net.stepMs;
      if (this.o.steps !== undefined && this.counts.steps >= this.o.steps && !this.ending) {
        // the field may still ask for this answer again (a takeover): wait a while for its end, then end anyway
        const grace = Math.max(5000, 3 * (this.o.leaseTtlMs ?? 2000));
        this.ending = setTimeout(() => {
          this.log(`no end from the field ${grace / 1000} s after the last step; ending`);
          void this.stop();
        }, grace);
        this.ending.unref();
      }
    }
  }

  private ending: NodeJS.Timeout | undefined;

  async stop(): Promise<void> {
    if (this.ending) clearTimeout(this.ending);
    await this.close();
    this.resolveDone();
  }

  private closing = false;

  private async close(): Promise<void> {
    this.closing = true;
    // the last answer and plans reach their buckets before the region lets go (at most 2 s)
    await Promise.all([this.states.close(2000), this.plans.close(2000)]);
    await this.lease?.close(true);
    this.sub?.unsubscribe();
    this.sub = undefined;
    await Promise.all([...this.msgs.values()].map((m) => m.close().catch(() => {})));
    this.msgs.clear();
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => {});
  }
}
