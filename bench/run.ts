import { fileURLToPath } from 'node:url';
import { benchCoreProjection } from './core-projection.bench.js';
import { benchEmergency } from './emergency.bench.js';
import { report, type BenchResult } from './harness.js';
import { benchOtaRoomList } from './ota-room-list.bench.js';
import { benchPaxlst } from './paxlst.bench.js';
import { benchRegister } from './register.bench.js';
import { benchSftp } from './sftp.bench.js';
import { benchTransmissions } from './transmissions.bench.js';

/**
 * `npm run bench`: every benchmark, each beside its same-run baseline; exit 1 if a target is
 * missed. `BENCH_ONLY=transmissions,sftp` runs those named only.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
type Bench = () => BenchResult | BenchResult[] | Promise<BenchResult | BenchResult[]>;
const benches: Readonly<Record<string, Bench>> = {
  'core-projection': () => benchCoreProjection(root),
  paxlst: benchPaxlst,
  'ota-room-list': benchOtaRoomList,
  // Before the register's: its million rows keep this kind of VM's disk busy for minutes
  // after it ends, and the SFTP server's renames wait on that disk.
  sftp: benchSftp,
  register: benchRegister,
  transmissions: () => benchTransmissions(root),
  emergency: () => benchEmergency(root),
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
