import type { AnalyzeOptions, CaptureInput } from './analyze.js';
import type { CaptureSession } from './capture-session.js';

export type { AnalyzeOptions, CaptureInput };
export { CaptureSession, type CaptureFileStats } from './capture-session.js';
export type { CaptureSummary } from './summary.js';
export type { PcapConnectionRecord, PcapConnectionInfo, PcapTlsInfo } from './pcap-record.js';

/**
 * Streams a pcap/pcapng capture into the shared model: a Session of connection records (source 'pcap'),
 * request records for cleartext HTTP/1.1, facts, findings, and a summary. Memory stays bounded: payloads
 * are only kept while a handshake or HTTP head is being read, and record lists are capped.
 * The readers and decoders load on the first call: importing connscope stays light.
 */
export async function analyzeCapture(input: CaptureInput, options: AnalyzeOptions = {}): Promise<CaptureSession> {
  return (await import('./analyze.js')).analyzeCapture(input, options);
}
