import { fileURLToPath } from 'node:url';
import { benchCoreProjection } from './core-projection.bench.js';
import { report, type BenchResult } from './harness.js';
import { benchOtaRoomList } from './ota-room-list.bench.js';
import { benchPaxlst } from './paxlst.bench.js';
import { benchRegister } from './register.bench.js';

/** `npm run bench`: every benchmark, each beside its same-run baseline; exit 1 if a target is missed. */
const root = fileURLToPath(new URL('../..', import.meta.url));
const benches: readonly (() => BenchResult | BenchResult[] | Promise<BenchResult[]>)[] = [
  () => benchCoreProjection(root),
  benchPaxlst,
  benchOtaRoomList,
  benchRegister,
];
let failed = 0;
for (const bench of benches) {
  for (const result of [await bench()].flat()) {
    report(result);
    if (!result.pass) failed += 1;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
