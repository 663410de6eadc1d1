import type { CaptureSession } from '../../src/capture/capture-session.js';
import type { PcapConnectionRecord } from '../../src/capture/pcap-record.js';
import type { ExpectedConnection } from './tshark-expect.js';

/** connscope's records in the shape tshark's fields are compared in. */
export function project(session: CaptureSession): ExpectedConnection[] {
  return ([...session.connections.values()] as PcapConnectionRecord[]).map((c) => {
    const t = c.pcap.tls;
    return {
      client: c.pcap.client,
      server: c.pcap.server,
      sni: t?.sni ?? null,
      handshakes: t?.handshakes ?? 0,
      legacyVersion: t?.legacyVersion ?? null,
      offeredVersions: t?.offeredVersions ?? [],
      selectedVersion: t?.selectedVersion ?? null,
      cipher: t?.cipherId ?? null,
      alpnOffered: t?.alpnOffered ?? [],
      alpn: t?.alpn ?? null,
      pskOffered: t?.pskOffered ?? false,
      pskAccepted: t?.pskAccepted ?? false,
      resumed: t?.resumed ?? false,
      helloRetry: t?.helloRetry ?? false,
      firstClose: c.pcap.firstClose ? { side: c.pcap.firstClose.side, flag: c.pcap.firstClose.flag } : null,
    };
  });
}
