// `local:CKPT_DIR` — the embedded model as a harness Model: renders the conversation with the
// one chat template, generates with the KV-cache decoder on a worker thread shared by all
// providers of the same model (the harness's event loop stays free; concurrent episodes share
// batched decode steps), parses tool calls back, and returns the exact prompt/completion ids
// and logprobs the sampler produced (usage is exact, never estimated). With `onDelta` the
// reply streams as the worker samples it (local-stream.ts); the request's signal stops the
// worker's sequence.

import { grammarFor } from '../lm/call-grammar.js';
import type { LoadedModel } from '../lm/checkpoint.js';
import type { GenerateOptions, GenerateResult, SamplingOptions } from '../lm/generate.js';
import { checkGenerateOptions } from '../lm/generate.js';
import { GenerationWorker, type StreamHooks } from '../lm/generate-worker.js';
import { generate, loadCheckpoint } from '../lm/model.js';
import { ChatTemplate, type ParsedCall, parseCallJson } from '../lm/template.js';
import type { AssistantMessage, ToolSchema } from '../messages.js';
import { ReplyStream } from './local-stream.js';
import {
  type CompletionRequest,
  type CompletionResponse,
  type Model,
  ModelError,
} from './model.js';
import { parseTextToolCalls } from './text-tool-calls.js';
import { parseToolCallBody } from './tool-call-body.js';

export interface LocalModelOptions extends SamplingOptions {
  /** Sampling temperature; 0 is greedy. 1 samples the model's own distribution (what RL wants). @default 1 */
  temperature?: number;
  /** Nucleus sampling mass. @default 1 */
  topP?: number;
  /** Completion tokens per call, unless the request asks for fewer. @default 512 */
  maxTokens?: number;
  /** Base seed; call k samples with seed + k, so reruns repeat exactly. @default 0 */
  seed?: number;
  /**
   * A reply whose last N tokens are one short block repeated ends there (generate.ts
   * loopStop): a greedy small model's loop otherwise runs to maxTokens on every turn, paid
   * in context and time. 0 is off. @default 64
   */
  loopStop?: number;
  /**
   * Strict tool calls (src/lm/call-grammar.ts): when the request has tools, every reply is
   * text then exactly one call with the tools' own names and argument types, and edit's
   * old_string is text the model was shown. false samples freely. @default true
   */
  strict?: boolean;
  /**
   * Generate on a worker thread (weights copied there, re-sent when they change between
   * calls), shared by every provider of the same model object, so concurrent calls are
   * decoded in one batch. false runs on the calling thread, blocking it. A GenerationWorker given here is
   * shared (RL: one thread for all rollouts of the live policy) and not closed by close().
   * @default true
   */
  worker?: boolean | GenerationWorker;
  /**
   * Replaces generation for each call (RL serves a group's shared first turn from one
   * batched call); gets the prompt ids, the options this provider would use, and the call's
   * index. @default undefined (generate as configured)
   */
  generate?: (promptIds: number[], o: GenerateOptions, turn: number) => Promise<GenerateResult>;
}

/** Sampling for evaluation runs: greedy, so a checkpoint's score does not depend on luck. */
export const EVAL_SAMPLING: Readonly<Required<SamplingOptions>> = Object.freeze({
  temperature: 0,
  topP: 1,
  seed: 0,
});

/** Loads the checkpoint in `dir` and serves it as a Model. */
export async function createLocalModel(dir: string, opts: LocalModelOptions = {}): Promise<Model> {
  let model: LoadedModel;
  try {
    model = loadCheckpoint(dir);
  } catch (e) {
    throw new ModelError(`local:${dir}: ${(e as Error).message}`, e);
  }
  return localModelFrom(model, `local:${dir}`, opts);
}

/** Serves a model already in memory (training evaluates its live weights this way). */
export function localModelFrom(
  model: LoadedModel,
  id: string,
  opts: LocalModelOptions = {},
): Model {
  const template = new ChatTemplate(model.tokenizer);
  const {
    temperature = 1,
    topP = 1,
    maxTokens = 512,
    seed = 0,
    loopStop = 64,
    strict = true,
    worker = true,
  } = opts;
  try {
    checkGenerateOptions({ temperature, topP, seed, loopStop });
    if (!(Number.isInteger(maxTokens) && maxTokens >= 1))
      throw new Error(`maxTokens must be a positive integer, got ${maxTokens}`);
  } catch (e) {
    throw new ModelError(`${id}: ${(e as Error).message}`);
  }
  const shared = worker instanceof GenerationWorker ? worker : null;
  let thread: GenerationWorker | null = shared;
  const run = async (
    promptIds: number[],
    o: GenerateOptions,
    hooks: StreamHooks,
  ): Promise<GenerateResult> => {
    if (!worker) return generate(model, promptIds, o);
    thread ??= acquireWorker(model);
    // Training evaluates live weights through this provider: the thread must see them.
    await thread.syncWeights();
    return thread.generate(promptIds, o, hooks);
  };
  // What we sampled for each assistant message we returned, so that later prompts reuse those
  // exact ids instead of re-encoding the text (which may tokenize differently).
  const sampled = new Map<string, number[]>();
  let calls = 0;

  return {
    id,
    // The session compacts the conversation before a prompt would outgrow this.
    contextWindow: model.config.maxSeqLen,
    async complete(request: CompletionRequest): Promise<CompletionResponse> {
      if (request.signal?.aborted) throw request.signal.reason;
      const promptIds = template.renderPrompt(request.messages, request.tools, {
        assistantIds: (m) => sampled.get(messageKey(m)),
      });
      const room = model.config.maxSeqLen - promptIds.length;
      if (room <= 0) {
        throw new ModelError(
          `${id}: the prompt is ${promptIds.length} tokens, the model's context is ${model.config.maxSeqLen}`,
        );
      }
      const cap = Math.min(maxTokens, request.maxTokens ?? maxTokens, room);
      const turn = calls++;
      const o = {
        maxTokens: cap,
        temperature,
        topP,
        seed: seed + turn,
        stopIds: template.stopIds,
        loopStop,
        ...(strict && request.tools.length > 0
          ? {
              grammar: grammarFor(request.tools, request.messages, {
                toolCall: template.toolCall,
                stops: template.stopIds,
              }),
            }
          : {}),
      };
      const idPrefix = `call_${turn}_`;
      // Without a worker (or with a generate override) the pieces all come when the reply is done.
      const stream =
        request.onDelta &&
        new ReplyStream(template, request.onDelta, bodyParser(request.tools), idPrefix);
      const hooks: StreamHooks = {
        signal: request.signal,
        ...(stream ? { onToken: (id: number) => stream.push(id) } : {}),
      };
      const out = await (opts.generate
        ? opts.generate(promptIds, o, turn)
        : run(promptIds, o, hooks));
      const message = parseReply(template, out.ids, request.tools, idPrefix);
      stream?.finish(message);
      // Later prompts show exactly what was sampled (stop token included; a turn cut by the
      // length limit stays unclosed, the next header marks its end), as dataset rows render it.
      sampled.set(messageKey(message), out.ids);
      return {
        message,
        usage: {
          promptTokens: promptIds.length,
          completionTokens: out.ids.length,
          estimated: false,
        },
        finishReason: message.tool_calls?.length ? 'tool_calls' : out.finishReason,
        tokens: { promptIds, completionIds: out.ids, logprobs: out.logprobs },
      };
    },
    async close() {
      if (!shared && thread) await releaseWorker(model);
      thread = shared;
    },
  };
}

// One worker per model object, shared by every provider serving it: concurrent episodes
// (an RL group, `rollout --concurrency`) are then decoded in one batch.
const workers = new WeakMap<LoadedModel, { worker: GenerationWorker; users: number }>();

function acquireWorker(model: LoadedModel): GenerationWorker {
  let w = workers.get(model);
  if (!w) {
    w = { worker: new GenerationWorker(model), users: 0 };
    workers.set(model, w);
  }
  w.users++;
  return w.worker;
}

async function releaseWorker(model: LoadedModel): Promise<void> {
  const w = workers.get(model);
  if (!w || --w.users > 0) return;
  workers.delete(model);
  await w.worker.close();
}

/** Reads one `<|tool_call|>` body: our JSON first, other call syntaxes as a fallback. */
function bodyParser(tools: ToolSchema[]) {
  return (body: string): ParsedCall[] => {
    const ours = parseCallJson(body);
    return ours.length > 0 ? ours : parseToolCallBody(body, tools, false);
  };
}

/** The message from generated ids: our `<|tool_call|>` syntax first, other text syntaxes as a fallback. */
function parseReply(
  template: ChatTemplate,
  ids: number[],
  tools: ToolSchema[],
  idPrefix: string,
): AssistantMessage {
  const msg = template.parseCompletion(ids, { idPrefix, parseBody: bodyParser(tools) });
  if (msg.tool_calls?.length || !msg.content) return msg;
  // A model trained elsewhere (or early in training) may write <tool_call> tags or fences as text.
  const text = parseTextToolCalls(msg.content, { idPrefix, tools });
  if (text.toolCalls.length === 0) return msg;
  return { role: 'assistant', content: text.content, tool_calls: text.toolCalls };
}

/** Identity of an assistant message for the sampled-ids cache (call ids excluded: we minted them). */
function messageKey(m: AssistantMessage): string {
  return JSON.stringify([
    m.content ?? null,
    (m.tool_calls ?? []).map((c) => [c.function.name, c.function.arguments]),
  ]);
}
