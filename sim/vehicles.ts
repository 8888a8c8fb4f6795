/**
 * Vehicle storage: a vehicle is an integer slot in struct-of-arrays storage,
 * one typed array per field, pre-sized and grown by doubling, with a free
 * list. Each drivable (a lane, or a lane link through an intersection) keeps
 * its vehicles as a FIFO linked list, front first (head, tail, count, and a
 * bit per drivable while it has vehicles). compact() renumbers the slots so
 * that each drivable's vehicles sit in consecutive slots: the step then walks
 * memory in order.
 */

/** 1 in vCommitted: committed to clear the intersection on yellow; 2: counted as running a red. */
export const COMMITTED_ON_YELLOW = 1;
export const RAN_RED = 2;

export class VehicleStore {
  // vehicles (struct of arrays; slot capacity grows by doubling)
  cap = 0;
  /** Trip of each vehicle. */
  vTrip = new Int32Array(0);
  /** Drivable it is on (−1: free slot). */
  vDrv = new Int32Array(0);
  /** Front position along its drivable (m) and speed (m/s). */
  vPos = new Float64Array(0);
  vSpeed = new Float64Array(0);
  /** Speed decided for the end of this step (m/s): follow writes it, advance applies it. */
  vNew = new Float64Array(0);
  /** Neighbours on the drivable: the one ahead and behind (−1: none). */
  vAhead = new Int32Array(0);
  vBehind = new Int32Array(0);
  /** Index of its current road in its trip's route. */
  vRouteIdx = new Int32Array(0);
  /** Lane link chosen for the end of its lane (−1: not yet). */
  vNextLink = new Int32Array(0);
  vType = new Int32Array(0);
  vLen = new Float64Array(0);
  vMinGap = new Float64Array(0);
  /** COMMITTED_ON_YELLOW or RAN_RED, else 0. */
  vCommitted = new Uint8Array(0);
  /** 1 while moving (for counting stops, with hysteresis). */
  vMoving = new Uint8Array(0);
  /** 1 while on a lane from which its route cannot go on (it wants to change lanes: sim/laneChange.ts). */
  vWrongLane = new Uint8Array(0);
  private freeHead = -1;
  /** Slots in use or freed since the last compaction. */
  nSlots = 0;
  /** Compaction scratch: old slot of each new slot, and one buffer per element type. */
  private oldOf = new Int32Array(0);
  private scratchF = new Float64Array(0);
  private scratchI = new Int32Array(0);
  private scratchU = new Uint8Array(0);

  // drivables
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly count: Int32Array;
  /** One bit per drivable, set while it has vehicles: the passes visit only those, in drivable order. */
  readonly occupied: Uint32Array;

  constructor(nDrv: number, initialSlots: number) {
    this.head = new Int32Array(nDrv).fill(-1);
    this.tail = new Int32Array(nDrv).fill(-1);
    this.count = new Int32Array(nDrv);
    this.occupied = new Uint32Array((nDrv + 31) >>> 5);
    this.grow(initialSlots);
  }

  private grow(to: number): void {
    const old = this.cap;
    const cp = <T extends Int32Array | Float64Array | Uint8Array>(a: T, ctor: new (n: number) => T): T => {
      const b = new ctor(to);
      b.set(a);
      return b;
    };
    this.vTrip = cp(this.vTrip, Int32Array);
    this.vDrv = cp(this.vDrv, Int32Array);
    this.vPos = cp(this.vPos, Float64Array);
    this.vSpeed = cp(this.vSpeed, Float64Array);
    this.vNew = cp(this.vNew, Float64Array);
    this.vAhead = cp(this.vAhead, Int32Array);
    this.vBehind = cp(this.vBehind, Int32Array);
    this.vRouteIdx = cp(this.vRouteIdx, Int32Array);
    this.vNextLink = cp(this.vNextLink, Int32Array);
    this.vType = cp(this.vType, Int32Array);
    this.vLen = cp(this.vLen, Float64Array);
    this.vMinGap = cp(this.vMinGap, Float64Array);
    this.vCommitted = cp(this.vCommitted, Uint8Array);
    this.vMoving = cp(this.vMoving, Uint8Array);
    this.vWrongLane = cp(this.vWrongLane, Uint8Array);
    for (let v = old; v < to; v++) this.vDrv[v] = -1;
    this.oldOf = new Int32Array(to);
    this.scratchF = new Float64Array(to);
    this.scratchI = new Int32Array(to);
    this.scratchU = new Uint8Array(to);
    this.cap = to;
  }

  /**
   * Renumbers the vehicles so that each drivable's vehicles occupy consecutive
   * slots, front first, in drivable order. Vehicles move between lanes and new
   * ones take free slots, so the order decays; the simulation calls this every
   * few steps. Results do not depend on slot numbers. `tripVeh` (trip → slot)
   * is renumbered with them.
   */
  compact(tripVeh: Int32Array): void {
    const nDrv = this.head.length;
    const oldOf = this.oldOf;
    let n = 0;
    for (let d = 0; d < nDrv; d++) for (let v = this.head[d]!; v >= 0; v = this.vBehind[v]!) oldOf[n++] = v;
    const f = this.scratchF;
    const iv = this.scratchI;
    const u = this.scratchU;
    const permF = (a: Float64Array): void => {
      for (let k = 0; k < n; k++) f[k] = a[oldOf[k]!]!;
      a.set(f.subarray(0, n));
    };
    const permI = (a: Int32Array): void => {
      for (let k = 0; k < n; k++) iv[k] = a[oldOf[k]!]!;
      a.set(iv.subarray(0, n));
    };
    const permU = (a: Uint8Array): void => {
      for (let k = 0; k < n; k++) u[k] = a[oldOf[k]!]!;
      a.set(u.subarray(0, n));
    };
    permI(this.vTrip);
    permI(this.vDrv);
    permF(this.vPos);
    permF(this.vSpeed);
    permI(this.vRouteIdx);
    permI(this.vNextLink);
    permI(this.vType);
    permF(this.vLen);
    permF(this.vMinGap);
    permU(this.vCommitted);
    permU(this.vMoving);
    permU(this.vWrongLane);
    let i = 0;
    for (let d = 0; d < nDrv; d++) {
      const c = this.count[d]!;
      if (c === 0) continue;
      this.head[d] = i;
      this.tail[d] = i + c - 1;
      for (let j = 0; j < c; j++) {
        this.vAhead[i + j] = j === 0 ? -1 : i + j - 1;
        this.vBehind[i + j] = j === c - 1 ? -1 : i + j + 1;
      }
      i += c;
    }
    for (let k = 0; k < n; k++) tripVeh[this.vTrip[k]!] = k;
    for (let v = n; v < this.nSlots; v++) this.vDrv[v] = -1;
    this.freeHead = -1;
    this.nSlots = n;
  }

  /** A free slot (the arrays may be replaced by bigger ones: read them again after). */
  alloc(): number {
    if (this.freeHead >= 0) {
      const v = this.freeHead;
      this.freeHead = this.vBehind[v]!;
      return v;
    }
    if (this.nSlots === this.cap) this.grow(this.cap * 2);
    return this.nSlots++;
  }

  /** Returns slot v, already off its drivable, to the free list. */
  free(v: number): void {
    this.vDrv[v] = -1;
    this.vBehind[v] = this.freeHead;
    this.freeHead = v;
  }

  /** Puts vehicle v on drivable d behind the vehicles further along than it (normally at the tail). */
  append(d: number, v: number): void {
    const tl = this.tail[d]!;
    this.vDrv[v] = d;
    if (this.count[d]!++ === 0) this.occupied[d >>> 5]! |= 1 << (d & 31);
    if (tl < 0) {
      this.head[d] = v;
      this.tail[d] = v;
      this.vAhead[v] = -1;
      this.vBehind[v] = -1;
      return;
    }
    const pos = this.vPos[v]!;
    if (this.vPos[tl]! >= pos) {
      this.vBehind[tl] = v;
      this.vAhead[v] = tl;
      this.vBehind[v] = -1;
      this.tail[d] = v;
      return;
    }
    // Two vehicles merged into d in one step: keep the list ordered by position.
    let w = tl;
    while (this.vAhead[w]! >= 0 && this.vPos[this.vAhead[w]!]! < pos) w = this.vAhead[w]!;
    const a = this.vAhead[w]!;
    this.vAhead[v] = a;
    this.vBehind[v] = w;
    this.vAhead[w] = v;
    if (a >= 0) this.vBehind[a] = v;
    else this.head[d] = v;
  }

  /** Takes vehicle v, wherever it is in drivable d's list, off d (a lane change). */
  remove(d: number, v: number): void {
    const a = this.vAhead[v]!;
    const b = this.vBehind[v]!;
    if (a >= 0) this.vBehind[a] = b;
    else this.head[d] = b;
    if (b >= 0) this.vAhead[b] = a;
    else this.tail[d] = a;
    if (--this.count[d]! === 0) this.occupied[d >>> 5]! &= ~(1 << (d & 31));
  }

  /** Takes the front vehicle off drivable d and returns it. */
  popHead(d: number): number {
    const h = this.head[d]!;
    const nb = this.vBehind[h]!;
    this.head[d] = nb;
    if (nb >= 0) this.vAhead[nb] = -1;
    else this.tail[d] = -1;
    if (--this.count[d]! === 0) this.occupied[d >>> 5]! &= ~(1 << (d & 31));
    return h;
  }

  /** Vehicles on drivable d, front first (for tests and pictures; allocates). */
  vehiclesOn(d: number): number[] {
    const out: number[] = [];
    for (let v = this.head[d]!; v >= 0; v = this.vBehind[v]!) out.push(v);
    return out;
  }
}
