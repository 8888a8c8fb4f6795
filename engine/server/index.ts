/** The live service: WebSocket protocol, detector ingest, the engine behind it, the dashboard. */
export { GreenwaveServer, SERVER_LIMITS, type ServerOptions } from './server.js';
export { Service, ServiceError, type ServiceMode, type ServiceOptions } from './service.js';
export { parseMessage, PROTOCOL_VERSION, TOPICS, ERR, WRITE_TYPES, type ClientMessage, type Topic } from './protocol.js';
export { IngestedDetectors } from '../detectors/ingest.js';
export type { ChartAnswer, ChartSource } from './http.js';
