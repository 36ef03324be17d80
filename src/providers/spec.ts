// Model specs as users and configs write them: `scripted:PATH`, `replay:PATH`,
// `local:CKPT_DIR`, `openai:NAME` or a bare model name, plus prefixes registered by other
// capabilities (the gym's `oracle`) so that the harness never imports them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Model, ModelError } from './model.js';
import type { OpenAIModelOptions } from './openai.js';
import { createReplayModel } from './replay.js';
import { createScriptedModel } from './scripted.js';

export { estimateTokens } from './estimate.js';

/** A spec that cannot be turned into a model (unknown form, missing base URL ...): a usage error. */
export class ModelSpecError extends ModelError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSpecError';
  }
}

export interface ModelSpecOptions extends Partial<Omit<OpenAIModelOptions, 'model' | 'baseUrl'>> {
  /** Base URL of an OpenAI-compatible server. @default env LOOPSMITH_BASE_URL, then OPENAI_BASE_URL */
  baseUrl?: string;
  /** Options for `createLocalModel` (`local:` specs), over `temperature` and `seed` above. @default {} */
  local?: Record<string, unknown>;
}

/** Builds a Model from what follows `prefix:` in a spec. */
export type ModelFactory = (rest: string, options: ModelSpecOptions) => Model | Promise<Model>;

const factories = new Map<string, ModelFactory>([
  ['scripted', (path) => createScriptedModel(path)],
  ['replay', (path) => createReplayModel(path)],
  ['local', (dir, options) => createLocal(dir, options)],
  ['openai', (name, options) => createOpenAI(name, options)],
]);

/** Adds a spec prefix (e.g. `oracle`); a prefix already taken is refused. */
export function registerModelFactory(prefix: string, factory: ModelFactory): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(prefix)) {
    throw new ModelSpecError(
      `model spec prefix ${JSON.stringify(prefix)} must match [a-z][a-z0-9_-]*`,
    );
  }
  if (factories.has(prefix))
    throw new ModelSpecError(`model spec prefix "${prefix}:" is already registered`);
  factories.set(prefix, factory);
}

/** The model name when `spec` names a model served over HTTP (OpenAI-compatible), else undefined. */
export function httpModelName(spec: string): string | undefined {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const prefix = colon > 0 ? trimmed.slice(0, colon) : '';
  if (prefix === 'openai') return trimmed.slice(colon + 1);
  return factories.has(prefix) ? undefined : trimmed;
}

/** Turns a spec string into a ready Model. A name with an unknown prefix (`qwen2.5-coder:7b`) is an OpenAI-compatible model name. */
export async function createModel(spec: string, options: ModelSpecOptions = {}): Promise<Model> {
  const trimmed = spec.trim();
  if (trimmed === '')
    throw new ModelSpecError(
      'empty model spec: give scripted:PATH, replay:PATH, local:DIR, openai:NAME or a model name',
    );
  const colon = trimmed.indexOf(':');
  const factory = colon > 0 ? factories.get(trimmed.slice(0, colon)) : undefined;
  if (!factory) return createOpenAI(trimmed, options);
  const rest = trimmed.slice(colon + 1);
  if (rest === '')
    throw new ModelSpecError(`model spec "${trimmed}" names nothing after the colon`);
  return factory(rest, options);
}

// openai.js is imported on first use: its HTTP client (undici) is a tenth of a second of
// start-up that sessions on local or scripted models never need.
async function createOpenAI(name: string, options: ModelSpecOptions): Promise<Model> {
  const env = options.env ?? process.env;
  const baseUrl = options.baseUrl ?? env.LOOPSMITH_BASE_URL ?? env.OPENAI_BASE_URL;
  if (!baseUrl) {
    throw new ModelSpecError(
      `model "${name}" is served over HTTP, but no base URL is set: pass --base-url (e.g. http://127.0.0.1:8000/v1) or set LOOPSMITH_BASE_URL`,
    );
  }
  const { local: _local, ...rest } = options;
  const { createOpenAIModel } = await import('./openai.js');
  return createOpenAIModel({ ...rest, baseUrl, model: name });
}

// Through a variable, so that this file compiles and runs while local.ts does not exist.
const LOCAL_MODULE = './local.js';

async function createLocal(dir: string, options: ModelSpecOptions): Promise<Model> {
  const url = new URL(LOCAL_MODULE, import.meta.url);
  // Checked up front: a missing module that local.js itself imports must not read as this.
  if (!existsSync(url)) {
    throw new ModelSpecError(
      `local:${dir}: this build has no embedded-model provider (${fileURLToPath(url)} is missing)`,
    );
  }
  const mod: { createLocalModel?: (dir: string, opts: Record<string, unknown>) => Promise<Model> } =
    await import(url.href);
  if (typeof mod.createLocalModel !== 'function') {
    throw new ModelSpecError(`local:${dir}: providers/local.js does not export createLocalModel`);
  }
  return mod.createLocalModel(dir, {
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...options.local,
  });
}
