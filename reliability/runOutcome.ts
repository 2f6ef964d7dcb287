import type { WorkflowHandle } from '@temporalio/client';

/** 'succeeded', or 'failed: ' and the failure's messages down its causes. */
export const outcomeOf = (handle: WorkflowHandle): Promise<string> =>
  handle.result().then(
    () => 'succeeded',
    (err: Error) => {
      const messages: string[] = [];
      for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
      return `failed: ${messages.join(': ')}`;
    },
  );

/** Throws, naming `what` and why, unless the run succeeded. */
export async function succeeds(handle: WorkflowHandle, what: string): Promise<void> {
  const outcome = await outcomeOf(handle);
  if (outcome !== 'succeeded') throw new Error(`${what} ${outcome}`);
}
