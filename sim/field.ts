/**
 * The city as the regions see it (`greenwave field`): the built-in simulator
 * publishes each step's detector readings over NATS (JetStream: stored
 * before the step goes on, one message per intersection), announces the
 * step, waits for every region's decisions for it (lock-step: the run is
 * reproducible), and its cabinet makes those decisions (engine/distributed
 * remote.ts: the field shows what the regions show, its own signal layer
 * and conflict monitor enforcing every minimum and clearance). At the end
 * it prints the run's metrics; a region that stays silent past the timeout
 * ends the run with a clear error. With `realtime`, the field keeps the wall
 * clock instead: step t begins at t / speed seconds of wall-clock time, and a
 * region that has not answered by the next step's time is not waited for (its
 * signals keep what they show; the step is counted late): the run is then not
 * reproducible, as a real city is not.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { ensureStream } from '../engine/distributed/region.js';
import { whileElecting } from '../engine/distributed/retry.js';
import { replayFactory, type Decision, type DecisionSource, type ReplayStats } from '../engine/distributed/remote.js';
import { detectorsByIntersection, encodeReadings, names, parseDecisions, type Decisions, type EvMessage } from '../engine/distributed/wire.js';
import type { PriorityMessage } from '../engine/preemption/index.js';
import { computeMetrics, percentile, type RunMetrics } from './metrics.js';
import { createSimulation, scenarioName, type Prepared } from './run.js';

export interface FieldOptions {
  servers: string | string[];
  city: string;
  hash: string;
  regions: number;
  /** Region of every intersection (partitionNetwork's regionOf, as the regions have it): the subject of its readings. */
  regionOf: Int32Array;
  /** How long to wait for the regions' decisions for one step (ms, default 30,000). */
  timeoutMs?: number;
  /** Stream replicas (3 on a three-node cluster; default 1). */
  replicas?: number;
  /** Keep the wall clock (simulated seconds per wall-clock second) instead of lock-step. */
  realtime?: { speed: number };
  log?: (line: string) => void;
}

export interface FieldResult {
  metrics: RunMetrics;
  field: {
    steps: number; readingsPublished: number; evPublished: number; publishRetries: number; decisionsReplayed: number; decisionsMissing: number; waitedMs: number; maxStepWaitMs: number;
    /** With realtime: the speed, and the steps that went on without every region's decisions (0 in lock-step). */
    realtimeSpeed: number | null; lateSteps: number;
    /** Per step, from the first reading's publication to the last region's decision that used it (ms): median and 99th percentile. */
    latencyMsP50: number; latencyMsP99: number;
    /** Wall-clock seconds of the run and steps per second. */
    wallS: number; stepsPerS: number;
  };
}

export async function runField(p: Prepared, o: FieldOptions): Promise<FieldResult> {
  const n = names(o.city);
  const nc = await connect({ servers: o.servers, name: 'greenwave-field', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  try {
    await whileElecting('making the readings stream', () => ensureStream(nc, o.city, o.replicas ?? 1), o.log);
    const js = jetstream(nc);
    const dets = detectorsByIntersection(p.net);
    const inters = dets.map((d, i) => (d.length ? i : -1)).filter((i) => i >= 0);
    const decisions = new Map<number, Map<number, Decision>>();
    const before = new Map<number, NonNullable<Decisions['before']>>();
    const heard = new Map<number, Set<number>>();
    let waiter: { t: number; resolve: () => void } | undefined;
    let failure: Error | undefined;
    const sub = nc.subscribe(n.decisionsAll, {
      callback: (err, msg) => {
        if (err) return;
        const d = parseDecisions(msg.string());
        if (!d) return;
        if (d.hash !== o.hash) {
          failure = new Error(`region ${String(d.region)} runs another scenario (hash ${String(d.hash).slice(0, 20)}, the field ${o.hash}): start every process with the same scenario, seed and duration`);
          waiter?.resolve();
          return;
        }
        let m = decisions.get(d.t);
        if (!m) decisions.set(d.t, (m = new Map()));
        for (const [ix, calls, next] of d.decided) m.set(ix, [calls, next]);
        if (d.before?.length) {
          let b = before.get(d.t);
          if (!b) before.set(d.t, (b = []));
          b.push(...d.before);
        }
        let h = heard.get(d.t);
        if (!h) heard.set(d.t, (h = new Set()));
        h.add(d.region);
        if (waiter && waiter.t === d.t && h.size >= o.regions) waiter.resolve();
      },
    });
    const stats: ReplayStats = { replayed: 0, missing: 0 };
    const field = { steps: 0, readingsPublished: 0, evPublished: 0, publishRetries: 0, decisionsReplayed: 0, decisionsMissing: 0, waitedMs: 0, maxStepWaitMs: 0, realtimeSpeed: o.realtime?.speed ?? null, lateSteps: 0, latencyMsP50: 0, latencyMsP99: 0, wallS: 0, stepsPerS: 0 };
    const speed = o.realtime?.speed;
    /** Wall-clock time (performance.now) at which step tMs is due, with realtime. */
    const dueAt = (tMs: number): number => run0 + tMs / speed!;
    const latency: number[] = [];
    /** Stores one message of step t, tried again while a node is lost or a leader elected (the message id lets the stream drop a copy it has). */
    const store = async (t: number, subject: string, data: string, msgID: string, what: string): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          await js.publish(subject, data, { msgID, timeout: 2000 });
          return;
        } catch (e) {
          if (attempt >= 20) throw new Error(`cannot store the ${what} of t = ${t / 1000} s: ${(e as Error).message}`);
          field.publishRetries++;
          await new Promise((r) => setTimeout(r, 100 * Math.min(attempt + 1, 5)));
        }
      }
    };
    const run0 = performance.now();
    const timeoutMs = o.timeoutMs ?? 30_000;
    const src: DecisionSource = {
      async beforeStep(t, ctx) {
        if (speed !== undefined) {
          const wait = dueAt(t) - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const p0 = performance.now();
        decisions.delete(t - 2 * p.net.stepMs);
        heard.delete(t - 2 * p.net.stepMs);
        before.delete(t - 2 * p.net.stepMs);
        // stored in the stream (acknowledged) before the step goes on; a publish that fails (a node lost, a leader
        // being elected) is tried again, the message id letting the stream drop a copy it already has
        // with the emergency vehicles' messages since the last step (dispatches with their routes, reports, arrivals), numbered
        await Promise.all([
          ...inters.map((i) => store(t, n.det(o.regionOf[i]!, i), encodeReadings(o.hash, t, i, dets[i]!, ctx.detectors), `${o.hash}-${t}-${i}`, 'readings')),
          ...evOut.splice(0).map((m) => {
            const seq = evSeq++;
            return store(t, n.ev, JSON.stringify({ hash: o.hash, t, seq, m } satisfies EvMessage), `${o.hash}-ev-${seq}`, 'emergency-vehicle messages');
          }),
        ]);
        field.readingsPublished += inters.length;
        const w0 = performance.now();
        // the announcement carries the city's traffic figures, for views (greenwave serve --nats)
        const announce = JSON.stringify({ hash: o.hash, t, ev: evSeq, traffic: sim.traffic() });
        await new Promise<void>((resolve, reject) => {
          if ((heard.get(t)?.size ?? 0) >= o.regions) return resolve();
          // announced again every second until answered (a region that missed it, or a standby taking over)
          const again = setInterval(() => nc.publish(n.step, announce), 1000);
          // realtime: not past the next step's time (what is not decided by then stays as it is shown)
          const late = speed !== undefined;
          const timer = late
            ? setTimeout(() => { clearInterval(again); waiter = undefined; field.lateSteps++; resolve(); }, Math.max(0, dueAt(t + p.net.stepMs) - performance.now()))
            : setTimeout(() => { clearInterval(again); reject(new Error(`no decisions for t = ${t / 1000} s from ${o.regions - (heard.get(t)?.size ?? 0)} of ${o.regions} regions within ${timeoutMs / 1000} s: is every \`greenwave region\` running on the same NATS and scenario?`)); }, timeoutMs);
          waiter = {
            t,
            resolve: () => {
              clearTimeout(timer);
              clearInterval(again);
              waiter = undefined;
              if (failure) reject(failure);
              else resolve();
            },
          };
          nc.publish(n.step, announce);
        });
        const waited = performance.now() - w0;
        latency.push(performance.now() - p0);
        field.waitedMs += waited;
        field.maxStepWaitMs = Math.max(field.maxStepWaitMs, waited);
        field.steps++;
        if (failure) throw failure;
      },
      before: (t) => before.get(t) ?? [],
      take: (ix, t) => decisions.get(t)?.get(ix),
    };
    // the field's own pre-emption only routes (the city's dispatcher, seeing every detector): the regions pre-empt
    const evOut: PriorityMessage[] = [];
    let evSeq = 0;
    const sim = createSimulation(p, replayFactory(src, stats), { preemption: false });
    sim.cabinet.preemption.onMessage = (m) => evOut.push(m);
    await sim.runAsync();
    nc.publish(n.step, JSON.stringify({ hash: o.hash, end: true }));
    await nc.flush();
    sub.unsubscribe();
    const metrics = computeMetrics(sim, { scenario: scenarioName(p), controller: 'distributed', seed: p.seed, loadSeconds: p.loadSeconds });
    field.evPublished = evSeq;
    field.decisionsReplayed = stats.replayed;
    field.decisionsMissing = stats.missing;
    field.waitedMs = Math.round(field.waitedMs);
    field.maxStepWaitMs = Math.round(field.maxStepWaitMs);
    const sorted = Float64Array.from(latency).sort();
    field.latencyMsP50 = Math.round(percentile(sorted, 50) * 10) / 10;
    field.latencyMsP99 = Math.round(percentile(sorted, 99) * 10) / 10;
    field.wallS = Math.round(performance.now() - run0) / 1000;
    field.stepsPerS = field.wallS > 0 ? Math.round((field.steps / field.wallS) * 10) / 10 : 0;
    return { metrics, field };
  } finally {
    await nc.drain().catch(() => {});
  }
}
