/**
 * `work`'s outcome, or the activity's cancellation (the signal's reason, Temporal's
 * CancelledFailure) if that comes first.
 *
 * Not `Promise.race([work, ctx.cancelled])`: `ctx.cancelled` stays pending for the whole activity,
 * and every race leaves a reaction on it that holds the race's promise and so its result. A pull
 * racing each page that way kept every page it read until the activity ended: memory grew with
 * the tenant (docs/benchmarks-history.md, "Worker memory at 100,000 users"). The abort listener here is
 * removed as soon as `work` settles, so nothing outlives the call.
 */
export function untilCancelled<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined); // abandoned: its failure is nobody's to handle
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
