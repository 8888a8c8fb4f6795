/**
 * The live service's messages (docs/PROTOCOL.md): JSON text frames, each an
 * object with a `type`. Every client message is validated against its JSON
 * Schema here before anything acts on it; a bad one is answered with an
 * `error` frame naming the field and the reason.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Observations } from '../detectors/ingest.js';

export const PROTOCOL_VERSION = 1;

export const TOPICS = ['states', 'plans', 'queues', 'metrics', 'emergency', 'detectors'] as const;
export type Topic = (typeof TOPICS)[number];

/** Error codes of `error` frames. */
export const ERR = {
  badJson: 'bad-json',
  binary: 'binary-frame',
  badMessage: 'bad-message',
  unknownType: 'unknown-type',
  unauthorized: 'unauthorized',
  rateLimited: 'rate-limited',
  notAccepted: 'not-accepted',
  unknownId: 'unknown-id',
  outOfOrder: 'out-of-order',
  tooFar: 'too-far',
  refused: 'refused',
} as const;

const id = { type: 'string', minLength: 1, maxLength: 200 };
const ref = { type: ['string', 'number'], maxLength: 200 };
const num = (min: number, max: number) => ({ type: 'number', minimum: min, maximum: max });
const detectorReading = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    count: num(0, 100000),
    occupancy: num(0, 1),
    presence: { enum: [0, 1] },
    vehicles: { type: 'integer', minimum: 0, maximum: 10000 },
    halting: { type: 'integer', minimum: 0, maximum: 10000 },
    queueM: num(0, 100000),
  },
};
const observations = {
  detectors: { type: 'object', maxProperties: 200000, additionalProperties: detectorReading },
  lanes: {
    type: 'object',
    maxProperties: 200000,
    additionalProperties: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { vehicles: { type: 'integer', minimum: 0, maximum: 10000 }, halting: { type: 'integer', minimum: 0, maximum: 10000 } },
    },
  },
};

const SCHEMAS: Record<string, object> = {
  auth: { type: 'object', required: ['type', 'token'], additionalProperties: false, properties: { type: {}, id: ref, token: { type: 'string', maxLength: 4096 } } },
  subscribe: {
    type: 'object',
    required: ['type', 'topics'],
    additionalProperties: false,
    properties: {
      type: {},
      id: ref,
      topics: { type: 'array', minItems: 1, maxItems: TOPICS.length, uniqueItems: true, items: { enum: [...TOPICS] } },
      intersections: { type: 'array', maxItems: 100000, items: id },
    },
  },
  unsubscribe: {
    type: 'object',
    required: ['type'],
    additionalProperties: false,
    properties: { type: {}, id: ref, topics: { type: 'array', maxItems: TOPICS.length, items: { enum: [...TOPICS] } } },
  },
  ping: { type: 'object', required: ['type'], additionalProperties: false, properties: { type: {}, id: ref } },
  network: { type: 'object', required: ['type'], additionalProperties: false, properties: { type: {}, id: ref } },
  detectors: {
    type: 'object',
    required: ['type'],
    anyOf: [{ required: ['detectors'] }, { required: ['lanes'] }],
    additionalProperties: false,
    properties: { type: {}, id: ref, ...observations },
  },
  step: {
    type: 'object',
    required: ['type', 't'],
    additionalProperties: false,
    properties: { type: {}, id: ref, t: num(0, 1e9), ...observations },
  },
  emergency: {
    type: 'object',
    required: ['type', 'vehicle', 'from', 'to'],
    additionalProperties: false,
    properties: { type: {}, id: ref, vehicle: id, from: id, to: id, priority: { type: 'integer', minimum: 1, maximum: 9 } },
  },
  'emergency-position': {
    type: 'object',
    required: ['type', 'vehicle', 'road', 'posM'],
    additionalProperties: false,
    properties: { type: {}, id: ref, vehicle: id, road: id, posM: num(0, 100000), onLink: { type: 'boolean' }, speedMps: num(0, 100) },
  },
  override: {
    type: 'object',
    required: ['type', 'intersection', 'phase', 'durationS'],
    additionalProperties: false,
    properties: { type: {}, id: ref, intersection: id, phase: { type: 'integer', minimum: 0, maximum: 63 }, durationS: num(0, 86400) },
  },
  'emergency-arrived': { type: 'object', required: ['type', 'vehicle'], additionalProperties: false, properties: { type: {}, id: ref, vehicle: id } },
};

/** Message types that change the engine's state: they need the bearer token. */
export const WRITE_TYPES: ReadonlySet<string> = new Set(['detectors', 'step', 'emergency', 'emergency-position', 'emergency-arrived', 'override']);

export type { DetectorReading, Observations } from '../detectors/ingest.js';
export type ClientMessage =
  | { type: 'auth'; id?: string | number; token: string }
  | { type: 'subscribe'; id?: string | number; topics: Topic[]; intersections?: string[] }
  | { type: 'unsubscribe'; id?: string | number; topics?: Topic[] }
  | { type: 'ping'; id?: string | number }
  | { type: 'network'; id?: string | number }
  | ({ type: 'detectors'; id?: string | number } & Observations)
  | ({ type: 'step'; id?: string | number; t: number } & Observations)
  | { type: 'emergency'; id?: string | number; vehicle: string; from: string; to: string; priority?: number }
  | { type: 'emergency-position'; id?: string | number; vehicle: string; road: string; posM: number; onLink?: boolean; speedMps?: number }
  | { type: 'emergency-arrived'; id?: string | number; vehicle: string }
  | { type: 'override'; id?: string | number; intersection: string; phase: number; durationS: number };

// compiled on first use, one type at a time: a program that imports the engine but runs no server does not pay for them
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();
function validator(type: string): ValidateFunction | undefined {
  let v = validators.get(type);
  if (v) return v;
  const schema = Object.hasOwn(SCHEMAS, type) ? SCHEMAS[type] : undefined; // a type named __proto__ is no schema
  if (!schema) return undefined;
  v = (ajv ??= new Ajv({ allErrors: false, strict: false })).compile(schema);
  validators.set(type, v);
  return v;
}

/** One line for an ajv error: `detectors.d1.count: must be <= 100000`. */
function describe(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') return `${path ? path + '.' : ''}${(e.params as { additionalProperty: string }).additionalProperty}: unknown field`;
  if (e.keyword === 'required') return `${path ? path + '.' : ''}${(e.params as { missingProperty: string }).missingProperty}: required`;
  if (e.keyword === 'anyOf') return 'needs "detectors" or "lanes"';
  return `${path || '(message)'}: ${e.message ?? 'invalid'}`;
}

export type Parsed = { ok: true; msg: ClientMessage } | { ok: false; code: string; message: string; ref?: string | number };

/** Parses and validates one text frame. */
export function parseMessage(text: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, code: ERR.badJson, message: `not valid JSON: ${(e as Error).message.slice(0, 200)}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, code: ERR.badMessage, message: 'a message must be a JSON object' };
  const o = v as Record<string, unknown>;
  const r = typeof o.id === 'string' || typeof o.id === 'number' ? (o.id as string | number) : undefined;
  const type = o.type;
  if (typeof type !== 'string') return { ok: false, code: ERR.badMessage, message: 'type: required, a string', ref: r };
  const val = validator(type);
  if (!val) return { ok: false, code: ERR.unknownType, message: `type: unknown message type "${type.slice(0, 60)}"; known: ${Object.keys(SCHEMAS).join(', ')}`, ref: r };
  if (!val(o)) return { ok: false, code: ERR.badMessage, message: `${type}: ${describe(val.errors![0]!)}`, ref: r };
  return { ok: true, msg: o as unknown as ClientMessage };
}
