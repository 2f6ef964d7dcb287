import { readFile, writeFile } from 'node:fs/promises';

/** Peak resident set (VmHWM) of a process, in MiB; Linux only. */
export async function peakRssMiB(pid: number): Promise<number> {
  return statusMiB(pid, 'VmHWM');
}

/** Resident set now (VmRSS) of a process, in MiB; Linux only. */
export async function currentRssMiB(pid: number): Promise<number> {
  return statusMiB(pid, 'VmRSS');
}

/** Starts a new peak-RSS measurement window for a process (writing 5 to clear_refs resets VmHWM). */
export async function resetPeakRss(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

async function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}
