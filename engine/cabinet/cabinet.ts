/**
 * The engine as one unit, like the signal cabinet at a street corner: the
 * detector arrays its clock writes, detector diagnostics, the controller with
 * operator overrides and emergency pre-emption over it, the signal layer that
 * alone decides what is shown, the conflict monitor, the control loop and
 * the event log — wired once, from a compiled network, in one call.
 *
 * Every clock drives it the same way: write the detector readings for time
 * t, then `step(t)`: the readings are diagnosed, pre-emption and the
 * controller decide what is due, the signal layer advances and the monitor
 * checks what it shows. The built-in simulator, the live service (built-in
 * simulator, field data, an external co-simulation) and the SUMO driver all
 * use it; none wires the parts itself.
 */
import { controllerFactory, OverrideController, type Controller, type ControllerContext, type ControllerFactory, type PlanSet } from '../controllers/index.js';
import { DetectorArrays, DetectorHealth } from '../detectors/index.js';
import type { CompiledNetwork } from '../network/compile.js';
import type { Router } from '../network/routing.js';
import { PreemptingController, PreemptionManager, type PreemptionOptions } from '../preemption/index.js';
import { ConflictMonitor, EventLog, SignalLayer } from '../signals/index.js';
import { ControlLoop } from './loop.js';
import { tappedController, tappedSignals, type CabinetTap, type SignalCall } from './tap.js';

export interface CabinetOptions<D extends DetectorArrays = DetectorArrays> {
  net: CompiledNetwork;
  /** Routes emergency vehicles (built from the same network model). */
  router: Router;
  /** A controller name (see CONTROLLERS) or factory. */
  controller: string | ControllerFactory;
  /** The detector arrays the clock writes (default: new, zeroed arrays for the network's detectors). */
  detectors?: D;
  /** Worker threads for controllers that re-plan in a pool (adaptive); 0 or absent: in the caller's thread. */
  workers?: number;
  /** Emergency pre-emption (default on). Off: emergency vehicles are still routed, signals are not pre-empted. */
  preemption?: boolean;
  /** Pre-emption settings (engine/preemption). */
  preemptionOptions?: PreemptionOptions;
  /** Record the high-resolution event log (phases, overlaps, pre-emption; the clock adds detector events). */
  eventLog?: boolean;
  /** Told of every call the controller stack makes on the signals and of every decision (a region of a distributed city sends them on). */
  tap?: CabinetTap;
}

export class Cabinet<D extends DetectorArrays = DetectorArrays> {
  readonly net: CompiledNetwork;
  readonly detectors: D;
  readonly health: DetectorHealth;
  readonly signals: SignalLayer;
  readonly monitor: ConflictMonitor;
  readonly eventLog: EventLog | undefined;
  /** Operator holds, over the controller. */
  readonly overrides: OverrideController;
  /** Emergency vehicles: routing, calls, green waves, recovery (over the overrides). */
  readonly preemption: PreemptionManager;
  /** The controller stack the loop calls: pre-emption over overrides over the chosen controller. */
  readonly controller: Controller;
  /** The chosen controller's name. */
  readonly controllerName: string;
  private readonly loop: ControlLoop;
  /** Steps taken; the first step has no readings to diagnose yet. */
  steps = 0;

  constructor(o: CabinetOptions<D>) {
    const net = o.net;
    this.net = net;
    this.eventLog = o.eventLog ? new EventLog() : undefined;
    const base = typeof o.controller === 'string' ? controllerFactory(o.controller, o.workers ? { workers: o.workers } : {}) : o.controller;
    this.signals = new SignalLayer(net, this.eventLog);
    this.monitor = new ConflictMonitor(net);
    this.detectors = o.detectors ?? (new DetectorArrays(net.nDet) as D);
    this.health = new DetectorHealth(net, this.detectors, this.signals.movState);
    const calls: Array<[number, SignalCall]> = [];
    const ctx: ControllerContext = { net, detectors: this.detectors, signals: o.tap ? tappedSignals(this.signals, calls) : this.signals, health: this.health };
    this.overrides = new OverrideController(ctx, base(ctx));
    this.preemption = new PreemptionManager(ctx, o.router, this.eventLog, { ...o.preemptionOptions, enabled: o.preemption ?? o.preemptionOptions?.enabled ?? true });
    const stack = new PreemptingController(ctx, this.overrides, this.preemption);
    this.controller = o.tap ? tappedController(stack, calls, o.tap) : stack;
    this.controllerName = this.controller.name;
    this.signals.init(0);
    this.loop = new ControlLoop(net, this.controller, this.signals, this.monitor);
  }

  /**
   * Advances the engine to `tMs`, the readings for `tMs` written: diagnoses
   * them, lets pre-emption and the controller decide what is due, advances
   * the signal layer and checks what it shows. Returns a promise when the
   * controller waits for work in worker threads (then nothing is shown until
   * it resolves; a caller that cannot wait treats that as an error).
   */
  step(tMs: number): Promise<void> | void {
    if (this.steps++ > 0) this.health.update(tMs);
    const wait = this.controller.beforeStep?.(tMs);
    if (wait) return wait.then(() => this.loop.switchSignals(tMs));
    this.loop.switchSignals(tMs);
  }

  /** The run ends at `tMs`: the last readings are diagnosed, so fault counts include them. */
  finish(tMs: number): void {
    this.health.update(tMs);
  }

  /** The timing plans in force, when the controller runs plans. */
  plans(): PlanSet | undefined {
    return this.controller.timingPlans?.();
  }

  /** Frees the controller's resources (worker threads). */
  close(): Promise<void> | void {
    return this.controller.close?.();
  }
}

/** Builds the engine for a compiled network (see Cabinet). */
export function createCabinet<D extends DetectorArrays = DetectorArrays>(o: CabinetOptions<D>): Cabinet<D> {
  return new Cabinet(o);
}
