/**
 * One view of a city run as regions (`greenwave serve --nats`): what every
 * region says it shows, and every intersection's detector readings, taken
 * from the city's subjects with no simulator and no controller of its own.
 * A step is complete when every region has answered it; one left waiting a
 * second is passed on anyway, naming the regions it did not hear (their
 * signals keep what they showed, and `status()` says how long each has been
 * silent); a late answer for the step shown now is passed on again at once.
 * The view reads the readings as they are published (a plain subscription
 * on the stream's subjects: it acknowledges nothing, so it takes nothing
 * from the regions' consumers). It starts from each region's last answer in
 * the states bucket, so one started during or after a run shows the signals
 * at once. The signals' timing plans come from the plans bucket (a watch:
 * every plan in force, then each one a region puts), the traffic figures
 * with the field's step announcements.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import type { CompiledNetwork } from '../network/compile.js';
import type { PriorityMessage } from '../preemption/index.js';
import { names, parseDecisions, parseEv, parseEvents, parsePlan, parseReadings, type Decisions, type PlanValue, type Readings } from './wire.js';

/** The field's live traffic figures, sent with each step's announcement. */
export interface CityTraffic {
  scheduled: number;
  inNetwork: number;
  completed: number;
  waitingToEnter: number;
  meanTravelTimeS: number;
}

const TRAFFIC_KEYS = ['scheduled', 'inNetwork', 'completed', 'waitingToEnter', 'meanTravelTimeS'] as const;

/** The traffic figures of a step announcement, or undefined where they are absent or not all finite numbers. */
export function parseTraffic(x: unknown): CityTraffic | undefined {
  if (x === null || typeof x !== 'object') return undefined;
  const o = x as Record<string, unknown>;
  if (!TRAFFIC_KEYS.every((k) => typeof o[k] === 'number' && Number.isFinite(o[k]))) return undefined;
  // (only these figures: nothing else a publisher adds reaches the view's clients)
  return Object.fromEntries(TRAFFIC_KEYS.map((k) => [k, o[k]])) as unknown as CityTraffic;
}

export interface CityFeedOptions {
  servers: string | string[];
  city: string;
  hash: string;
  regions: number;
  /** The network the city runs (the emergency vehicles' messages name its roads and movements). */
  net: CompiledNetwork;
  /** A region's states for step t (after the step): [intersection, phase, stage, target]. */
  onStates(t: number, states: Decisions['states']): void;
  onReadings(r: Readings): void;
  /** An emergency vehicle's dispatch (with its route), position report or arrival, as the field's dispatcher sent it. */
  onEv?(m: PriorityMessage): void;
  /** Pre-emption events at a region's signals in a step it answered (each passed on once): [t (ms), code, intersection, vehicle id]. */
  onEvents?(events: NonNullable<Decisions['events']>): void;
  /** A signal's timing plan in force (from the plans bucket). */
  onPlan?(p: PlanValue): void;
  /** The field's traffic figures at the start of step t. */
  onTraffic?(t: number, traffic: CityTraffic): void;
  /** Step t is complete, or waited for long enough: `late` names the regions whose answer for t is missing (their signals show an earlier step). */
  onStep(t: number, late: readonly number[]): void;
  log?: (line: string) => void;
}

export interface CityStatus {
  regions: Array<{ index: number; t: number | null; silentS: number | null }>;
  /** Messages of another scenario (another hash), readings received, and whether the field ended the run. */
  otherScenario: number;
  readings: number;
  ended: boolean;
}

export class CityFeed {
  private nc: NatsConnection | undefined;
  private readonly lastT: Array<number | null>;
  private readonly lastHeardMs: Array<number | null>;
  private readonly heard = new Map<number, { regions: Set<number>; firstMs: number }>();
  private lastStep = -1;
  /** The regions whose answer for lastStep had not come when it was passed on. */
  private late: number[] = [];
  private otherScenario = 0;
  private readings = 0;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: CityFeedOptions) {
    this.lastT = new Array<number | null>(o.regions).fill(null);
    this.lastHeardMs = new Array<number | null>(o.regions).fill(null);
  }

  async start(): Promise<void> {
    const o = this.o;
    const n = names(o.city);
    const nc = await connect({ servers: o.servers, name: 'greenwave-view', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    this.nc = nc;
    nc.subscribe(n.decisionsAll, {
      callback: (err, m) => {
        if (!err) this.onDecisions(m.string());
      },
    });
    nc.subscribe(n.detAll, {
      callback: (err, m) => {
        if (err) return;
        const r = parseReadings(m.string(), o.hash);
        if (!r) return void this.otherScenario++;
        this.readings++;
        o.onReadings(r);
      },
    });
    nc.subscribe(n.ev, {
      callback: (err, m) => {
        if (err) return;
        const e = parseEv(m.string(), o.hash, o.net);
        if (!e) return void this.otherScenario++;
        o.onEv?.(e.m);
      },
    });
    nc.subscribe(n.step, {
      callback: (err, m) => {
        if (err) return;
        try {
          const v = m.json<{ hash?: string; end?: boolean; t?: number; traffic?: unknown }>();
          if (v.hash === o.hash && v.end === true) this.ended = true;
          else if (v.hash === o.hash) {
            this.ended = false;
            const tr = parseTraffic(v.traffic);
            if (tr && typeof v.t === 'number') o.onTraffic?.(v.t, tr);
          }
        } catch {
          /* not a step */
        }
      },
    });
    await nc.flush();
    await this.loadLast(nc);
    // the plans already in the bucket are in before the view serves anyone (at most 2 s)
    const loaded = new Promise<void>((resolve) => (this.plansLoaded = resolve));
    void this.watchPlans(nc);
    await Promise.race([loaded, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.timer = setInterval(() => this.flushLate(), 250);
  }

  /** Every plan in force, then each one put: the bucket is looked for every 2 s until a region has made it. */
  private async watchPlans(nc: NatsConnection): Promise<void> {
    const n = names(this.o.city);
    while (!this.closed && !nc.isClosed()) {
      try {
        const kv = await new Kvm(nc).open(n.plansBucket);
        // (open binds without looking: status fails while the bucket does not exist)
        let before = (await kv.status()).values;
        const watch = await kv.watch({ key: 'signal.>' });
        this.plansWatch = watch;
        if (before === 0) this.plansLoaded();
        for await (const e of watch) {
          if (--before === 0) this.plansLoaded();
          if (e.operation !== 'PUT') continue;
          const p = parsePlan(e.string(), this.o.hash);
          if (p) this.o.onPlan?.(p); // (a plan of another run left in the bucket is passed over)
        }
      } catch {
        /* no bucket yet, or the watch ended with a lost connection: look again */
      }
      this.plansLoaded();
      if (!this.closed) await new Promise((r) => setTimeout(r, 2000).unref());
    }
  }

  private closed = false;
  private plansLoaded: () => void = () => {};
  private plansWatch: { stop(): void } | undefined;

  /** Starts from each region's last answer in the states bucket, where there is one (a view started during or after a run). */
  private async loadLast(nc: NatsConnection): Promise<void> {
    const n = names(this.o.city);
    try {
      const kv = await new Kvm(nc).open(n.statesBucket);
      for (let k = 0; k < this.o.regions; k++) {
        const e = await kv.get(n.statesKey(k));
        if (e && e.length) this.onDecisions(e.string(), false);
      }
    } catch {
      return; // no bucket yet: the first steps will bring the states
    }
    const t = Math.max(-1, ...this.lastT.map((x) => x ?? -1));
    if (t >= 0 && t > this.lastStep) this.complete(t);
  }

  private onDecisions(text: string, live = true): void {
    const d = parseDecisions(text);
    if (!d) return;
    if (d.hash !== this.o.hash) return void this.otherScenario++;
    if (d.region < 0 || d.region >= this.o.regions) return;
    // a region's pre-emption events, the first time it answers a step (an answer said again brings nothing new)
    if (live && d.t > (this.lastT[d.region] ?? -1)) {
      const ok = parseEvents(d.events, this.o.net);
      if (ok.length) this.o.onEvents?.(ok);
    }
    this.lastT[d.region] = Math.max(this.lastT[d.region] ?? -1, d.t);
    if (live) this.lastHeardMs[d.region] = Date.now();
    if (d.t <= this.lastStep) {
      // late (the step was passed on without it) or said again: still the newest this region showed
      if (d.t === this.lastT[d.region]) this.o.onStates(d.t, d.states);
      if (d.t === this.lastStep && this.late.includes(d.region)) {
        this.late = this.late.filter((k) => k !== d.region);
        this.o.onStep(d.t, this.late);
      }
      return;
    }
    this.o.onStates(d.t, d.states);
    let h = this.heard.get(d.t);
    if (!h) this.heard.set(d.t, (h = { regions: new Set(), firstMs: Date.now() }));
    h.regions.add(d.region);
    if (h.regions.size >= this.o.regions) this.complete(d.t);
  }

  /** Steps up to t are done: passed on in order. */
  private complete(t: number): void {
    const h = this.heard.get(t);
    this.late = [];
    for (let k = 0; k < this.o.regions; k++) if (h ? !h.regions.has(k) : (this.lastT[k] ?? -1) < t) this.late.push(k);
    for (const k of [...this.heard.keys()].sort((a, b) => a - b)) if (k <= t) this.heard.delete(k);
    this.lastStep = t;
    this.o.onStep(t, this.late);
  }

  /** A step waiting over a second for a silent region is passed on. */
  private flushLate(): void {
    let late = -1;
    for (const [t, h] of this.heard) if (Date.now() - h.firstMs > 1000 && t > late) late = t;
    if (late >= 0) this.complete(late);
  }

  status(): CityStatus {
    const now = Date.now();
    return {
      regions: this.lastT.map((t, index) => ({ index, t: t === null ? null : t / 1000, silentS: this.lastHeardMs[index] == null ? null : Math.round((now - this.lastHeardMs[index]!) / 100) / 10 })),
      otherScenario: this.otherScenario,
      readings: this.readings,
      ended: this.ended,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.plansWatch?.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => {});
  }
}
