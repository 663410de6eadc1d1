export { TCP_STATES, tcpStateFromHex, type TcpState } from './tcp-states.js';
export { readTcpSockets, parseProcNetTcp, type TcpSocketEntry, type ReadSocketsOptions } from './proc-net-tcp.js';
export {
  summarizeSockets,
  diffSummaries,
  matchesFilter,
  type SocketSummary,
  type SocketGroup,
  type SocketDelta,
  type SocketFilter,
  type StateCounts,
} from './summary.js';
export { watchSockets, type WatchSocketsOptions, type SocketSample } from './watch.js';
