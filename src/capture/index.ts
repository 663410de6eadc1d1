export { analyzeCapture, type AnalyzeOptions, type CaptureInput } from './analyze.js';
export { CaptureSession, type CaptureFileStats } from './capture-session.js';
export type { CaptureSummary } from './summary.js';
export type { PcapConnectionRecord, PcapConnectionInfo, PcapTlsInfo } from './pcap-record.js';
