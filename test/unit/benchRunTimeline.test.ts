import { describe, expect, it } from 'vitest';
import { timelineOf } from '../../bench/runTimeline';

type Event = Parameters<typeof timelineOf>[0][number];

/** An event at `ms` after a fixed instant, as the server stamps it. */
const at = (ms: number) => ({ seconds: 1_800_000_000 + Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
const input = (args: object) => ({ payloads: [{ data: Buffer.from(JSON.stringify(args)) }] });

// A run with one activity, its times chosen by hand: every expected figure below is their difference.
// Plain numbers stand in for the protobuf Longs of a fetched history.
const HISTORY = [
  { eventId: 1, eventTime: at(0), workflowExecutionStartedEventAttributes: {} },
  { eventId: 2, eventTime: at(0), workflowTaskScheduledEventAttributes: {} },
  { eventId: 3, eventTime: at(10), workflowTaskStartedEventAttributes: { scheduledEventId: 2 } },
  { eventId: 4, eventTime: at(30), workflowTaskCompletedEventAttributes: { startedEventId: 3 } },
  { eventId: 5, eventTime: at(30), activityTaskScheduledEventAttributes: { activityType: { name: 'pullDelta' }, input: input({ stream: 'users' }) } },
  { eventId: 6, eventTime: at(35), activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 2 } },
  { eventId: 7, eventTime: at(1_135), activityTaskCompletedEventAttributes: { scheduledEventId: 5, startedEventId: 6 } },
  { eventId: 8, eventTime: at(1_135), workflowTaskScheduledEventAttributes: {} },
  { eventId: 9, eventTime: at(1_140), workflowTaskStartedEventAttributes: { scheduledEventId: 8 } },
  { eventId: 10, eventTime: at(1_150), workflowTaskCompletedEventAttributes: { startedEventId: 9 } },
  { eventId: 11, eventTime: at(1_150), workflowExecutionCompletedEventAttributes: {} },
] as unknown as Event[];

describe('timelineOf: where a run spent its wall time, from its history', () => {
  it('splits the run into workflow tasks, queue waits and activity runs', () => {
    expect(timelineOf(HISTORY)).toEqual({
      wallMs: 1_150,
      workflowTasks: { count: 2, queueMs: 15, runMs: 30 },
      untilFirstActivityMs: 30,
      afterLastActivityMs: 15,
      activities: [{ name: 'pullDelta users', scheduledAt: 30, queueMs: 5, runMs: 1_100, attempt: 2 }],
    });
  });
});
