import { describeLifecycle } from './support/lifecycleSuite';

// The resets of the lifecycle scenarios; test/runLifecycleEndings.test.ts has the rest.
describeLifecycle('resets');
