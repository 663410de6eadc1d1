export * from './phases.js';
export * from './connection.js';
export * from './request.js';
export * from './finding.js';
export * from './facts.js';
export * from './stats.js';
export * from './session.js';
export * from './stall.js';
