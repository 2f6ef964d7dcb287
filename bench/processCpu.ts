import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpuTicksOfStat } from './scaleFigures';

/** Clock ticks per second of /proc/<pid>/stat times (100 on every usual Linux). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU seconds a process has used so far; Linux only. */
export async function cpuSeconds(pid: number): Promise<number> {
  return cpuTicksOfStat(await readFile(`/proc/${pid}/stat`, 'utf8')) / CLOCK_TICKS;
}
