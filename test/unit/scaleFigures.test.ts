import { describe, expect, it } from 'vitest';
import {
  cpuPercentOfCores,
  cpuTicksOfStat,
  distribution,
  intervalBoundaries,
  overlappingRuns,
  scheduleOutcome,
  type RunInterval,
} from '../../bench/scaleFigures';

const at = (time: string) => new Date(`2026-11-30T${time}Z`);
const run = (id: string, connectorId: string, started: string, finished: string | null): RunInterval => ({
  id,
  connectorId,
  startedAt: at(started),
  finishedAt: finished === null ? null : at(finished),
});

describe('overlapping runs, counted from sync_runs intervals', () => {
  it('finds none among back-to-back runs, nor between two connectors running at once', () => {
    const runs = [
      run('1', 'a', '10:00:00', '10:00:40'),
      run('2', 'a', '10:01:00', '10:01:59'),
      // Starts the very moment run 2 ends: touching, not overlapping.
      run('3', 'a', '10:01:59', '10:02:30'),
      run('4', 'b', '10:00:10', '10:00:50'),
    ];
    expect(overlappingRuns(runs, at('10:10:00'))).toEqual([]);
  });

  it('names each pair of one connector in flight together, whatever order the rows come in', () => {
    const runs = [
      run('3', 'a', '10:01:30', '10:01:45'),
      run('1', 'a', '10:00:00', '10:02:00'),
      run('2', 'a', '10:01:00', '10:01:20'),
      run('9', 'b', '10:00:00', '10:00:30'),
    ];
    expect(overlappingRuns(runs, at('10:10:00'))).toEqual([
      { connectorId: 'a', first: '1', second: '2' },
      { connectorId: 'a', first: '1', second: '3' },
    ]);
  });

  it('treats an unfinished run as running until now', () => {
    const runs = [run('1', 'a', '10:00:00', null), run('2', 'a', '10:05:00', '10:05:10')];
    expect(overlappingRuns(runs, at('10:06:00'))).toEqual([{ connectorId: 'a', first: '1', second: '2' }]);
    expect(overlappingRuns(runs, at('10:04:00'))).toEqual([]);
  });
});

describe("missed runs, from the schedule's counters and the interval boundaries of the window", () => {
  it('counts the boundaries of a one-minute interval in a window, the start excluded', () => {
    expect(intervalBoundaries(at('10:00:30'), at('10:30:30'), 60_000)).toBe(30);
    expect(intervalBoundaries(at('10:00:00'), at('10:30:00'), 60_000)).toBe(30);
    expect(intervalBoundaries(at('10:00:01'), at('10:00:59'), 60_000)).toBe(0);
    // With an offset of 20 s the boundaries are at :20 of every minute.
    expect(intervalBoundaries(at('10:00:01'), at('10:00:59'), 60_000, 20_000)).toBe(1);
    expect(intervalBoundaries(at('10:00:20'), at('10:01:19'), 60_000, 20_000)).toBe(0);
    expect(intervalBoundaries(at('10:00:00'), at('10:30:00'), 60_000, 20_000)).toBe(30);
    expect(() => intervalBoundaries(at('10:00:00'), at('10:01:00'), 0)).toThrow(/positive/);
  });

  it('is zero when every due action was taken', () => {
    const outcome = scheduleOutcome({ numActionsTaken: 30, numActionsSkippedOverlap: 0, numActionsMissedCatchupWindow: 0 }, at('10:00:30'), at('10:30:30'), 60_000);
    expect(outcome).toEqual({ due: 30, taken: 30, skippedOverlap: 0, missedCatchupWindow: 0, unaccounted: 0, missed: 0 });
  });

  it('adds runs skipped for overlap, missed by the catch-up window and due but never acted on', () => {
    const outcome = scheduleOutcome({ numActionsTaken: 25, numActionsSkippedOverlap: 2, numActionsMissedCatchupWindow: 1 }, at('10:00:30'), at('10:30:30'), 60_000);
    expect(outcome).toEqual({ due: 30, taken: 25, skippedOverlap: 2, missedCatchupWindow: 1, unaccounted: 2, missed: 5 });
  });
});

describe('latency distribution', () => {
  it('takes nearest-rank p50 and p95 and the maximum', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(distribution(values)).toEqual({ count: 100, p50: 50, p95: 95, max: 100 });
    expect(distribution([7])).toEqual({ count: 1, p50: 7, p95: 7, max: 7 });
    expect(distribution([])).toEqual({ count: 0, p50: null, p95: null, max: null });
  });
});

describe('worker CPU from /proc/<pid>/stat', () => {
  it('adds utime and stime, even when the command name holds spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const stat = '4242 (node (sync) x) S 1 4242 4242 0 -1 4194560 900 0 3 0 1234 567 0 0 20 0 11 0 100 0 0';
    expect(cpuTicksOfStat(stat)).toBe(1801);
    expect(() => cpuTicksOfStat('garbage')).toThrow(/not a \/proc/);
  });

  it('expresses CPU seconds over a window as a share of all cores', () => {
    expect(cpuPercentOfCores(90, 1800, 2)).toBe(2.5);
    expect(cpuPercentOfCores(0, 0, 2)).toBe(0);
  });
});
