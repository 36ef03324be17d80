// How a run ends. Each ending has its own status and process exit code (documented in README).

export type RunStatus =
  | 'submitted'
  | 'error'
  | 'turn_limit'
  | 'token_limit'
  | 'time_limit'
  | 'format_errors'
  | 'context_limit'
  | 'cancelled';

/** How one `Session.send` ended: a run status, or `replied` (interactive: an answer without a tool call). */
export type SendStatus = RunStatus | 'replied';

/** Exit code per status; 2 ("usage") is the CLI's own, for bad flags or config. */
export const EXIT_CODES: Record<RunStatus, number> = {
  submitted: 0,
  error: 1,
  turn_limit: 3,
  token_limit: 4,
  time_limit: 5,
  format_errors: 6,
  context_limit: 7,
  // 128 + SIGINT, what shells report for a command stopped with Ctrl-C.
  cancelled: 130,
};
export const USAGE_EXIT_CODE = 2;

/** A typed way out of the loop, carrying why. */
export class Interrupt extends Error {
  constructor(
    readonly status: SendStatus,
    message: string,
  ) {
    super(message);
    this.name = 'Interrupt';
  }
}
