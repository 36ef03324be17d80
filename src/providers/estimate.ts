// Token estimates for providers that cannot count tokens (scripted, replay, servers that
// send no usage). Every count made here is flagged `estimated: true` by its caller.
import type { AssistantMessage, Message, ToolSchema } from '../messages.js';
import type { Usage } from './model.js';

/**
 * Chat templates wrap each message in role markers and separators; 4 tokens is what
 * ChatML-style templates (`<|im_start|>role\n ... <|im_end|>\n`) spend per message.
 */
const PER_MESSAGE_OVERHEAD = 4;

/**
 * Estimates the token count of a text.
 * Heuristic: BPE vocabularies trained on English and code average about 4 characters per
 * token for ASCII text, while non-ASCII characters (CJK, emoji, accented letters) mostly
 * take one token or more each. So: ceil(asciiChars / 4) + nonAsciiChars.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

/** Estimates the tokens of one message as a chat template would render it. */
export function estimateMessageTokens(message: Message): number {
  let text = message.content ?? '';
  if (message.role === 'assistant' && message.tool_calls) {
    for (const call of message.tool_calls) text += call.function.name + call.function.arguments;
  }
  return PER_MESSAGE_OVERHEAD + estimateTokens(text);
}

/** Estimated usage of one call: the prompt (messages + tool schemas) and the reply. */
export function estimateUsage(
  messages: Message[],
  tools: ToolSchema[],
  reply: AssistantMessage,
): Usage {
  let prompt = 0;
  for (const m of messages) prompt += estimateMessageTokens(m);
  if (tools.length > 0) prompt += estimateTokens(JSON.stringify(tools));
  return { promptTokens: prompt, completionTokens: estimateMessageTokens(reply), estimated: true };
}
