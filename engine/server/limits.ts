/** The live service's limits (docs/PROTOCOL.md, Limits): per message, per connection, per address and for the whole server. */
export const SERVER_LIMITS = {
  /** Largest message accepted (bytes); a larger one closes the connection (1009). */
  maxPayload: 1 << 20,
  /** Sustained messages per second per connection, and the burst above it. */
  ratePerS: 500,
  burst: 1000,
  /** `network` answers per connection: one every heavyEveryS, bursts of heavyBurst. */
  heavyEveryS: 5,
  heavyBurst: 2,
  /** Send buffer (bytes) above which state frames are dropped, and above which the client is disconnected. */
  softBufferBytes: 1 << 20,
  hardBufferBytes: 8 << 20,
  /** A client whose buffer stays above soft this long is disconnected (ms). */
  slowTimeoutMs: 20_000,
  /** All clients' send buffers together (bytes). */
  maxBufferedTotal: 64 << 20,
  maxClients: 2000,
  /** Of maxClients, kept for clients with the token on the upgrade. */
  reservedForAuthenticated: 200,
  maxPerAddress: 256,
  /** A connection that neither subscribes nor authenticates in this time is closed (ms). */
  idleTimeoutMs: 10_000,
  /** External clock: the largest step forward one `step` may ask (s). */
  maxStepJumpS: 3600,
  /** External clock: wall-clock time a step may hold the event loop before it yields (ms). */
  stepSliceMs: 20,
  /** Write messages waiting while a long step runs; more are answered rate-limited. */
  maxQueued: 10_000,
  /** Metrics frames every this many simulated seconds. */
  metricsEveryS: 5,
};
