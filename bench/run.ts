import { fileURLToPath } from 'node:url';
import { report, type BenchResult } from './harness.js';

/**
 * `npm run bench`: every benchmark, each beside its same-run baseline; exit 1 if a target is
 * missed. `BENCH_ONLY=transmissions,sftp` runs those named only.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
type Bench = () => BenchResult | BenchResult[] | Promise<BenchResult | BenchResult[]>;
// Each bench's module is loaded when it runs: the core's benchmarks would otherwise run in
// a heap holding the whole gateway (NestJS, BullMQ, …) that only later ones use, where each
// major collection has more to mark.
const benches: Readonly<Record<string, Bench>> = {
  'core-projection': async () =>
    (await import('./core-projection.bench.js')).benchCoreProjection(root),
  paxlst: async () => (await import('./paxlst.bench.js')).benchPaxlst(),
  'ota-room-list': async () => (await import('./ota-room-list.bench.js')).benchOtaRoomList(),
  // Before the register's: its million rows keep this kind of VM's disk busy for minutes
  // after it ends, and the SFTP server's renames wait on that disk.
  sftp: async () => (await import('./sftp.bench.js')).benchSftp(),
  register: async () => (await import('./register.bench.js')).benchRegister(),
  transmissions: async () => (await import('./transmissions.bench.js')).benchTransmissions(root),
  emergency: async () => (await import('./emergency.bench.js')).benchEmergency(root),
};
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
let failed = 0;
for (const [name, bench] of Object.entries(benches)) {
  if (only !== undefined && !only.includes(name)) continue;
  for (const result of [await bench()].flat()) {
    report(result);
    if (!result.pass) failed += 1;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
