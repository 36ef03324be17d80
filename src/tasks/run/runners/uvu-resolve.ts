// Module resolve hook (registered by ./uvu-hook.ts): `uvu` imported by anything but the
// wrapper itself resolves to ./uvu-wrap.js.
const WRAP = new URL('./uvu-wrap.js', import.meta.url).href;

type Next = (s: string, c: { parentURL?: string }) => Promise<{ url: string }>;

/** The resolve hook. */
export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: Next,
): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === 'uvu' && context.parentURL !== WRAP) return { url: WRAP, shortCircuit: true };
  return next(specifier, context);
}
