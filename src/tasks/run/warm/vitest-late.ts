// Message keys between ./vitest-pool.ts and its kept threads (./vitest-thread.ts): an error
// a thread reported after its runner stopped, and the drain ping that waits for due timers.
export const LATE = '__loopsmith_late_error';
export const DRAIN = '__loopsmith_drain';
export const DRAINED = '__loopsmith_drained';
