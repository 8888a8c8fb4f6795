/**
 * Streaming XML for SUMO's files (saxes): the file is read in 1 MiB chunks
 * and every element start and end is handed to the caller with its
 * attributes and position, so a 100 MB net never sits in memory as a tree.
 * Errors (malformed XML, a truncated file, a missing or bad attribute) are
 * InputErrors naming the file, the element with its line:column, and the
 * reason.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { InputError } from '../../scenarios/errors.js';

/** Where an element starts: 1-based line and column. */
export interface XmlPos {
  line: number;
  column: number;
}

/** One element start: its name, attributes, position, and checked accessors that throw InputError naming it. */
export class XmlElement {
  constructor(
    readonly file: string,
    readonly name: string,
    readonly attrs: Record<string, string>,
    readonly pos: XmlPos,
  ) {}

  /** `<edge id="…">` at 12:5, for error messages. */
  where(attr?: string): string {
    const id = this.attrs.id !== undefined ? ` id="${this.attrs.id.slice(0, 80)}"` : '';
    return `<${this.name}${id}> at ${this.pos.line}:${this.pos.column}${attr ? ` ${attr}` : ''}`;
  }

  error(attr: string | undefined, reason: string): InputError {
    return new InputError(this.file, this.where(attr), reason);
  }

  /** A required string attribute. */
  str(attr: string): string {
    const v = this.attrs[attr];
    if (v === undefined) throw this.error(attr, `missing attribute "${attr}"`);
    return v;
  }

  /** An optional string attribute. */
  opt(attr: string): string | undefined {
    return this.attrs[attr];
  }

  /** A required finite number (min ≤ value ≤ max). */
  num(attr: string, min = -Infinity, max = Infinity): number {
    return this.checkNum(attr, this.str(attr), min, max);
  }

  /** An optional finite number, or `dflt`. */
  optNum(attr: string, dflt: number, min?: number, max?: number): number;
  optNum(attr: string, dflt: undefined, min?: number, max?: number): number | undefined;
  optNum(attr: string, dflt: number | undefined, min = -Infinity, max = Infinity): number | undefined {
    const v = this.attrs[attr];
    return v === undefined ? dflt : this.checkNum(attr, v, min, max);
  }

  /** A required integer (min ≤ value ≤ max). */
  int(attr: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const x = this.num(attr, min, max);
    if (!Number.isInteger(x)) throw this.error(attr, `must be an integer, got "${this.attrs[attr]}"`);
    return x;
  }

  private checkNum(attr: string, v: string, min: number, max: number): number {
    const x = v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(x)) throw this.error(attr, `must be a number, got "${v.slice(0, 40)}"`);
    if (x < min || x > max) throw this.error(attr, `must be ${min === -Infinity ? '' : `≥ ${min}`}${min !== -Infinity && max !== Infinity ? ' and ' : ''}${max === Infinity ? '' : `≤ ${max}`}, got ${v}`);
    return x;
  }
}

export interface XmlHandlers {
  /** An element starts (its children follow). */
  open(el: XmlElement, depth: number): void;
  /** An element ends. */
  close?(name: string, depth: number): void;
}

const CHUNK = 1 << 20;

/**
 * Reads `file` as a stream of element starts and ends. The document element
 * must be one of `roots` (a net.xml is `<net>`, routes `<routes>`, …). Throws
 * InputError for a file that cannot be read, malformed or truncated XML, or
 * another document element.
 */
export function readXml(file: string, roots: readonly string[], h: XmlHandlers): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new InputError(file, '', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const parser = new SaxesParser({ position: true });
  let depth = 0;
  let failure: unknown;
  let sawRoot = false;
  parser.on('error', (e) => {
    failure ??= new InputError(file, `line ${parser.line}:${parser.column}`, `not well-formed XML: ${e.message.replace(/^.*?:\d+:\d+: /, '')}`);
  });
  let start: XmlPos = { line: 1, column: 1 };
  parser.on('opentagstart', (tag) => {
    start = { line: parser.line, column: Math.max(1, parser.column - tag.name.length - 1) };
  });
  parser.on('opentag', (tag) => {
    if (failure) return;
    try {
      const pos = start;
      const attrs = tag.attributes as Record<string, string>;
      if (depth === 0) {
        if (!roots.includes(tag.name)) throw new InputError(file, `<${tag.name}> at ${pos.line}:${pos.column}`, `expected a ${roots.map((r) => `<${r}>`).join(' or ')} document`);
        sawRoot = true;
      }
      h.open(new XmlElement(file, tag.name, attrs, pos), depth);
    } catch (e) {
      failure = e;
    }
    depth++;
  });
  parser.on('closetag', (tag) => {
    depth--;
    if (failure) return;
    try {
      h.close?.(tag.name, depth);
    } catch (e) {
      failure = e;
    }
  });
  const buf = Buffer.allocUnsafe(CHUNK);
  const dec = new StringDecoder('utf8');
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        throw new InputError(file, '', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      if (n === 0) break;
      parser.write(dec.write(buf.subarray(0, n)));
      if (failure) throw failure;
    }
    parser.write(dec.end());
    parser.close();
  } catch (e) {
    if (!failure) failure = e;
  } finally {
    closeSync(fd);
  }
  if (failure) {
    if (failure instanceof InputError) throw failure;
    throw new InputError(file, `line ${parser.line}:${parser.column}`, `not well-formed XML: ${(failure as Error).message.replace(/^.*?:\d+:\d+: /, '')}`);
  }
  if (!sawRoot) throw new InputError(file, '', 'the file is empty: no XML document');
}
