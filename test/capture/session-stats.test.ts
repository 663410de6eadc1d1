import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeCapture } from '../../src/capture/index.js';
import { computeStats } from '../../src/model/stats.js';
import { frame, readIpPackets, writePcap } from './capture-builder.js';

// the fixture's three TLS connections three times over, 10 s apart (port pairs reused after their close)
const packets = readIpPackets('test/fixtures/pcap/tls13-resume.pcapng');
const frames = [];
for (let k = 0; k < 3; k++) for (const p of packets) frames.push({ tsMs: p.tsMs + k * 10_000, data: frame(p.ip, 'ethernet') });
const capture = writePcap(frames, { linkType: 1 });

test("a capture session's stats are its records' (computed once), and follow the records when they change", { timeout: 30_000 }, async () => {
  const s = await analyzeCapture(capture);
  const fromRecords = (): ReturnType<typeof computeStats> => computeStats(s.connections.values(), s.requests, s.facts);
  assert.equal(s.connections.size, 9);
  assert.deepEqual(s.stats(), fromRecords());
  // the rules read them, then the JSON: the same object, not a second walk over the records
  assert.equal(s.stats(), s.stats());
  assert.deepEqual(s.toJSON().stats, fromRecords());

  // a record removed: the stats are those of the eight left
  const before = s.stats();
  const first = [...s.connections.keys()][0]!;
  const removed = s.connections.get(first)!;
  s.connections.delete(first);
  assert.notDeepEqual(s.stats(), before);
  assert.equal(s.stats().connections, 8);
  assert.deepEqual(s.stats(), fromRecords());
  // and back
  s.connections.set(first, removed);
  assert.deepEqual(s.stats(), before);

  // new facts replace the old object: computed again
  s.facts = { ...s.facts };
  assert.notEqual(s.stats(), before);
  assert.deepEqual(s.stats(), fromRecords());
});
