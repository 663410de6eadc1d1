export { instrumentServer, type AnyHttpServer } from './instrument-server.js';
export { instrumentServers } from './global.js';
export { serverConfigFacts, checkServer, NODE_SERVER_DEFAULTS, type ServerConfig, type CheckServerOptions } from './config.js';
export type { ServerTracer, ServerTracerEvents, ServerConnectionCounts, InstrumentServerOptions } from './types.js';
