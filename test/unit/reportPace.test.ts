import { describe, expect, it } from 'vitest';
import { REPORT_PACE_VARIABLE, reportRequestSpacingMs } from '../../activities/graph/reportBudget';

// Graph's reports limit is 5 requests per 10 s per app and tenant (docs/graph-behaviour.md,
// "Throttling"); one request every 2.5 s keeps any window at 4 plus a request's worth of slack.

describe('the report request spacing', () => {
  it("is Graph's pace, one request every 2.5 s, unless a test asks for a faster one", () => {
    expect(reportRequestSpacingMs({})).toBe(2_500);
    expect(reportRequestSpacingMs({ [REPORT_PACE_VARIABLE]: '' })).toBe(2_500);
  });

  it('scales by the test pace, which must shorten the simulator window by the same factor', () => {
    expect(reportRequestSpacingMs({ [REPORT_PACE_VARIABLE]: '0.2' })).toBe(500);
    expect(reportRequestSpacingMs({ [REPORT_PACE_VARIABLE]: '1' })).toBe(2_500);
  });

  it('refuses anything but a speed-up, naming the variable', () => {
    for (const bad of ['0', '-1', '1.5', 'fast', 'NaN']) {
      expect(() => reportRequestSpacingMs({ [REPORT_PACE_VARIABLE]: bad })).toThrow(`${REPORT_PACE_VARIABLE} must be a number above 0 and at most 1`);
    }
  });
});
