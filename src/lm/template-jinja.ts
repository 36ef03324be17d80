// The chat template as Jinja, for GGUF `tokenizer.chat_template` so llama.cpp servers and
// Ollama can format chats for an exported model. It renders the same text as template.ts
// (checked against @huggingface/jinja in template-jinja.test.ts); the tools block renders
// each tool as a one-line signature, as template.ts does. Token-exact work (training, parity tests)
// always uses template.ts with raw ids.
export const JINJA_CHAT_TEMPLATE = [
  "{{- '<|bos|>' -}}",
  "{%- if tools -%}{{- '<|tools|>' -}}{%- for t in tools -%}{%- set f = t.function if t.function is defined else t -%}{%- set req = f.parameters.required if f.parameters.required is defined else [] -%}",
  "{{- f.name + '(' -}}{%- if f.parameters.properties is defined -%}{%- for k, p in f.parameters.properties.items() -%}{{- (', ' if not loop.first else '') + k + ('' if k in req else '?') + ': ' + (p.type if p.type is string else 'any') -}}{%- endfor -%}{%- endif -%}",
  "{{- ') ' + f.description + '\\n' -}}{%- endfor -%}{{- '<|end|>' -}}{%- endif -%}",
  '{%- for m in messages -%}',
  "{%- if m.role == 'assistant' -%}{{- '<|assistant|>' -}}{%- if m.content -%}{{- m.content -}}{%- endif -%}",
  '{%- if m.tool_calls -%}{%- for c in m.tool_calls -%}',
  '{{- \'<|tool_call|>{"name":\' -}}{{- c.function.name | tojson -}}{{- \',"arguments":\' -}}',
  '{%- if c.function.arguments is string -%}{{- c.function.arguments -}}{%- else -%}{{- c.function.arguments | tojson -}}{%- endif -%}',
  "{{- '}' -}}{%- endfor -%}{%- endif -%}{{- '<|end|>' -}}",
  "{%- else -%}{{- '<|' + m.role + '|>' + m.content + '<|end|>' -}}{%- endif -%}",
  '{%- endfor -%}',
  "{%- if add_generation_prompt -%}{{- '<|assistant|>' -}}{%- endif -%}",
].join('');
