// Errors caused by the user's input (a missing store, an unknown task id, a repository whose
// tests cannot be parsed): the CLI prints them as one line on stderr and exits 2, no stack.

/** A mistake in what the user asked for; its message says what to do instead. */
export class UserError extends Error {
  override name = 'UserError';
}
