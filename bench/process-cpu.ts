import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * CPU time (ms, user + system) each of `pids` has used so far, from `/proc/<pid>/stat`;
 * a process that is gone (or a system without `/proc`) is left out.
 */
export async function cpuOfProcesses(pids: readonly number[]): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // After the command name (in parentheses, which may hold spaces): fields 3 onwards.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    times.set(pid, (ticks * 1000) / CLOCK_TICKS);
  }
  return times;
}

/** CPU ms used between two readings: processes that started in between count from zero. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total CPU time of the whole machine so far (ms, all cores). */
export function machineCpu(): { readonly busy: number; readonly total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}
