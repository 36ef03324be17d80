// LOOPSMITH_TRACE=1: `tasks gen`'s milestones on stderr, in ms since the process started
// (where a local repository's fixed cost goes: dev/LOG.md runner6). Off: a no-op.
export const trace: (what: string) => void = process.env.LOOPSMITH_TRACE
  ? (what) => process.stderr.write(`trace ${performance.now().toFixed(0)} ${what}\n`)
  : () => undefined;
