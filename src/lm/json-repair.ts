// Forgiving JSON for tool calls a small model writes: the commonest slips are brackets, not
// content (a call cut before its closing braces, or a run of extra ones after them). Only
// brackets and an unterminated string are repaired; anything else stays an error the
// harness reports to the model.

/** `text` with missing closers appended and surplus closers dropped, or null when that is not the problem. */
export function repairJson(text: string): string | null {
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') stack.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') {
      if (stack.length === 0 || stack[stack.length - 1] !== c) {
        // A closer with nothing open: whatever follows is surplus.
        end = i;
        break;
      }
      stack.pop();
      if (stack.length === 0) {
        end = i + 1;
        break;
      }
    }
  }
  let out = text.slice(0, end).replace(/[\s,]+$/, '');
  if (inString) out += '"';
  while (stack.length > 0) out += stack.pop();
  if (out === text) return null;
  try {
    JSON.parse(out);
    return out;
  } catch {
    return null;
  }
}
