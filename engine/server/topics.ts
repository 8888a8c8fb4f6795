/**
 * The topic frames (docs/PROTOCOL.md): the snapshot a new subscriber gets,
 * and what every subscriber gets after each step. A frame that many clients
 * get (the state of every signal, every road's queue, the metrics) is
 * encoded once into one Buffer that all their send queues share.
 */
import type { Conn, Outbox } from './outbox.js';
import type { Service } from './service.js';

export class Topics {
  private lastMetricsS = -Infinity;

  constructor(
    private readonly service: Service,
    private readonly outbox: Outbox,
    private readonly metricsEveryS: number,
  ) {}

  /** The current state (and plans, if any) for a client that just subscribed. */
  snapshot(c: Conn): void {
    const s = this.service;
    if (c.topics.has('states')) this.outbox.send(c, this.stateFrame(c), true);
    if (c.topics.has('plans')) {
      const p = s.plans(true);
      if (p.plans.length) this.outbox.send(c, this.plansFrame(c, p.plans), true);
    }
    if (c.topics.has('detectors')) this.outbox.send(c, JSON.stringify({ type: 'detector-status', t: s.shownS, flagged: s.detectorStatus(false).flagged }), false);
  }

  stateFrame(c: Conn | null): string {
    const s = this.service;
    // (a city's step passed on without some regions' answers names them)
    const late = s.cityLate.length ? { late: s.cityLate } : {};
    if (!c || !c.statePos) {
      const { phases, stages } = s.phasesOf(s.signalIdx);
      return JSON.stringify({ type: 'state', t: s.shownS, sentAt: Date.now(), phases, stages, ...late });
    }
    const idx = Array.from(c.statePos, (k) => s.signalIdx[k]!);
    const { phases, stages } = s.phasesOf(idx);
    return JSON.stringify({ type: 'state', t: s.shownS, sentAt: Date.now(), ids: idx.map((i) => s.net.intersectionIds[i]), phases, stages, ...late });
  }

  private plansFrame(c: Conn, plans: Array<{ inter: string }>): string {
    const s = this.service;
    const list = c.interIds ? plans.filter((p) => c.interIds!.has(p.inter)) : plans;
    return JSON.stringify({ type: 'plans', t: s.shownS, inputSeq: s.ingest?.lastSeq ?? 0, plans: list });
  }

  /** Sends the topic frames of the state now to every subscriber in `conns`. */
  broadcast(conns: ReadonlySet<Conn>, stepped: boolean): void {
    const s = this.service;
    const out = this.outbox;
    if (conns.size === 0) {
      s.decisions();
      s.plans();
      s.emergencyEvents();
      s.detectorStatus();
      return;
    }
    let fullState: Buffer | undefined;
    let fullQueues: Buffer | undefined;
    let plansAll: Buffer | undefined;
    let decisionsAll: Buffer | undefined;
    const decisions = s.decisions();
    const plans = s.plans();
    const em = s.emergencyEvents();
    const t = s.shownS;
    let metrics: Buffer | undefined;
    if (t - this.lastMetricsS >= this.metricsEveryS) {
      this.lastMetricsS = t;
      metrics = Buffer.from(JSON.stringify({ type: 'metrics', ...s.metrics(), clients: conns.size }));
    }
    const status = s.detectorStatus();
    const detectors = status.changed ? Buffer.from(JSON.stringify({ type: 'detector-status', t, flagged: status.flagged })) : undefined;
    const emergency = em.events.length || em.vehicles.length ? Buffer.from(JSON.stringify({ type: 'emergency', t, events: em.events, vehicles: em.vehicles })) : undefined;
    const inputSeq = s.ingest?.lastSeq ?? 0;
    for (const c of conns) {
      if (c.topics.size === 0) continue;
      if (stepped && c.topics.has('states')) out.send(c, c.statePos ? this.stateFrame(c) : (fullState ??= Buffer.from(this.stateFrame(null))), true);
      if (c.topics.has('plans')) {
        if (plans.changed && plans.plans.length) out.send(c, c.interIds ? this.plansFrame(c, plans.plans) : (plansAll ??= Buffer.from(this.plansFrame(c, plans.plans))), false);
        if (c.interIds) {
          const d = decisions.filter((x) => c.interIds!.has(x.inter));
          if (d.length) out.send(c, JSON.stringify({ type: 'decisions', t, inputSeq, decisions: d }), false);
        } else if (decisions.length) out.send(c, (decisionsAll ??= Buffer.from(JSON.stringify({ type: 'decisions', t, inputSeq, decisions }))), false);
      }
      if (stepped && c.topics.has('queues')) {
        if (c.roads) out.send(c, JSON.stringify({ type: 'queues', t, ids: Array.from(c.roads, (r) => s.net.roadIds[r]), halting: s.queues(c.roads) }), true);
        else out.send(c, (fullQueues ??= Buffer.from(JSON.stringify({ type: 'queues', t, halting: s.queues(Array.from({ length: s.net.nRoads }, (_, r) => r)) }))), true);
      }
      if (metrics && c.topics.has('metrics')) out.send(c, metrics, true);
      if (emergency && c.topics.has('emergency')) out.send(c, emergency, em.events.length === 0);
      if (detectors && c.topics.has('detectors')) out.send(c, detectors, false);
    }
  }
}
