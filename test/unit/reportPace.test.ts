import { describe, expect, it } from 'vitest';
import { REPORT_PACE_VARIABLE, reportWindowMs } from '../../activities/graph/reportBudget';

// Graph's reports limit is 5 requests per 10 s per app and tenant (docs/graph-behaviour.md,
// "Throttling"); 4 requests per 12.5 s keeps any 10 s window at 4 even when a request leaves 2.5 s
// after its slot.

describe('the report budget window', () => {
  it("is Graph's 10 s and a slow send's 2.5 s, unless a test asks for a faster pace", () => {
    expect(reportWindowMs({})).toBe(12_500);
    expect(reportWindowMs({ [REPORT_PACE_VARIABLE]: '' })).toBe(12_500);
  });

  it('scales by the test pace, which must shorten the simulator window by the same factor', () => {
    expect(reportWindowMs({ [REPORT_PACE_VARIABLE]: '0.2' })).toBe(2_500);
    expect(reportWindowMs({ [REPORT_PACE_VARIABLE]: '1' })).toBe(12_500);
  });

  it('refuses anything but a speed-up, naming the variable', () => {
    for (const bad of ['0', '-1', '1.5', 'fast', 'NaN']) {
      expect(() => reportWindowMs({ [REPORT_PACE_VARIABLE]: bad })).toThrow(`${REPORT_PACE_VARIABLE} must be a number above 0 and at most 1`);
    }
  });
});
