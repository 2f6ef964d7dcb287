import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { toActivityFailure } from '../activities/activityFailure';

/**
 * Maps what activities throw to the failures runs record, once, at the activity boundary:
 * activities throw errors as they come (a Graph call's, with the call named).
 */
export const failureInterceptors: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  },
});

/** The worker's interceptors with failure mapping innermost, so logs and metrics see mapped failures. */
export function withFailureMapping<T extends { activity?: ActivityInterceptorsFactory[] }>(interceptors: T | undefined): T & { activity: ActivityInterceptorsFactory[] } {
  return { ...(interceptors as T), activity: [...(interceptors?.activity ?? []), failureInterceptors] };
}
