/** TCP states as the kernel numbers them in /proc/net/tcp (include/net/tcp_states.h). */
export const TCP_STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;

export type TcpState = (typeof TCP_STATES)[number] | 'UNKNOWN';

/** '01' → 'ESTABLISHED'; codes the table does not know become 'UNKNOWN' rather than failing the read. */
export function tcpStateFromHex(hex: string): TcpState {
  const n = Number.parseInt(hex, 16);
  return TCP_STATES[n - 1] ?? 'UNKNOWN';
}
