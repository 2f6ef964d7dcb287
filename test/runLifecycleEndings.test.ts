import { describeLifecycle } from './support/lifecycleSuite';

// Overlaps, terminate, cancel and concurrent finalizes; test/runLifecycle.test.ts has the resets.
describeLifecycle('endings');
