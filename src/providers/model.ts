// The Model interface the agent loop depends on. Every provider (OpenAI-compatible HTTP,
// scripted, replay, the embedded local model, the gym's oracle) implements this and nothing more.
import type { AssistantMessage, Message, ToolSchema } from '../messages.js';

export interface CompletionRequest {
  messages: Message[];
  tools: ToolSchema[];
  /** Cap on completion tokens for this call, when the caller has one. */
  maxTokens?: number;
  signal?: AbortSignal;
  /**
   * Streaming hook: a provider that can stream calls it with each piece as it is generated,
   * and still returns the same CompletionResponse it would without it. Providers that
   * cannot stream ignore it.
   */
  onDelta?: (delta: ModelDelta) => void;
}

/** One streamed piece of a reply. */
export type ModelDelta =
  | { text: string }
  /** A piece of tool call `index`: its id and name arrive once, `arguments` in pieces. */
  | { toolCall: { index: number; id?: string; name?: string; arguments?: string } }
  /** The stream broke and the call is being retried: pieces shown so far are void. */
  | { restart: string };

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the server's cache, when it says. */
  cachedTokens?: number;
  /** True when the server gave no usage and these counts are our estimate. */
  estimated: boolean;
}

/** Exact tokens of one call, when the engine knows them (local model, vLLM-style servers). */
export interface TokenRecord {
  promptIds: number[];
  completionIds: number[];
  /** Logprob of each completion token under the sampling distribution. */
  logprobs?: number[];
}

export interface CompletionResponse {
  message: AssistantMessage;
  usage: Usage;
  /** e.g. 'stop' | 'tool_calls' | 'length'. */
  finishReason?: string;
  tokens?: TokenRecord;
}

export interface Model {
  /** Model id as recorded in trajectories, e.g. "gpt-4o-mini" or "scripted:fix.json". */
  readonly id: string;
  /** Tokens the model attends to (prompt + completion), when known. */
  readonly contextWindow?: number;
  complete(request: CompletionRequest): Promise<CompletionResponse>;
  close?(): Promise<void>;
}

/** Raised by a provider for a failure the loop must end the run on (exit status "error"). */
export class ModelError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}
