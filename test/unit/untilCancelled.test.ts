import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { untilCancelled } from '../../activities/untilCancelled';

// A full collection on demand, to see whether anything still reaches a settled call's result.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Settles on a later turn of the event loop, as a Graph page or batch answer does. */
const later = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));

describe('untilCancelled', () => {
  it("passes on the work's value and the work's failure", async () => {
    const signal = new AbortController().signal;
    await expect(untilCancelled(signal, later('page'))).resolves.toBe('page');
    await expect(untilCancelled(signal, Promise.reject(new Error('Graph said no')))).rejects.toThrow('Graph said no');
  });

  it("rejects with the activity's cancellation when it comes first, and at once when it already came", async () => {
    const controller = new AbortController();
    const cancelled = new Error('activity cancelled');
    const pending = untilCancelled(controller.signal, new Promise(() => undefined));
    controller.abort(cancelled);
    await expect(pending).rejects.toBe(cancelled);
    await expect(untilCancelled(controller.signal, later('page'))).rejects.toBe(cancelled);
  });

  it('leaves nothing on the cancellation behind once the work settled', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await untilCancelled(controller.signal, later(i));
    await untilCancelled(controller.signal, Promise.reject(new Error('failed page'))).catch(() => undefined);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it("keeps no page alive after it was read, however long the activity's cancellation stays pending", async () => {
    // The activity's signal outlives every page a pull reads (Promise.race with ctx.cancelled kept them all).
    const controller = new AbortController();
    const pages: Array<WeakRef<object>> = [];
    // Each page is read in its own call, so no variable of this test keeps one.
    const readPage = async (i: number) => {
      const page = { objects: Array.from({ length: 100 }, (_, n) => ({ id: `${i}-${n}` })) };
      pages.push(new WeakRef(page));
      return (await untilCancelled(controller.signal, later(page))).objects.length;
    };
    for (let i = 0; i < 20; i++) expect(await readPage(i)).toBe(100);
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(pages.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });
});
