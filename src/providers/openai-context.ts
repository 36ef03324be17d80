// The context window of a model behind an OpenAI-compatible server, where the server says:
// llama.cpp's `/props` (n_ctx of its slots), vLLM's `/v1/models` (max_model_len).
// Best effort and quick: no answer means "unknown", and the caller configures it instead.

interface ProbeOptions {
  /** @default 2000 */
  timeoutMs?: number;
  apiKey?: string;
}

/** Tokens of context the server reports for `model`, or undefined when it reports none. */
export async function probeContextWindow(
  baseUrl: string,
  model: string,
  { timeoutMs = 2000, apiKey }: ProbeOptions = {},
): Promise<number | undefined> {
  const base = baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const get = async (url: string): Promise<unknown> => {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      return res.ok ? await res.json() : undefined;
    } catch {
      return undefined;
    }
  };
  const models = (await get(`${base}/models`)) as
    | { data?: { id?: string; max_model_len?: unknown }[] }
    | undefined;
  const entry = models?.data?.find((m) => m.id === model) ?? models?.data?.[0];
  if (isCount(entry?.max_model_len)) return entry.max_model_len;
  // llama-server serves /props beside /v1.
  const props = (await get(`${base.replace(/\/v1$/, '')}/props`)) as
    | { n_ctx?: unknown; default_generation_settings?: { n_ctx?: unknown } }
    | undefined;
  const nCtx = props?.default_generation_settings?.n_ctx ?? props?.n_ctx;
  return isCount(nCtx) ? nCtx : undefined;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
