// A minimal ONNX protobuf encoder: just enough of ModelProto to describe small graphs
// (Gemm, MatMul, Softmax...) that onnxruntime loads from bytes. Hand-written so the
// project needs no protobuf/onnx package.

type Field = Uint8Array;

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n; // int64 negatives are 10-byte two's complement
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function cat(parts: Field[]): Uint8Array {
  const len = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const intField = (no: number, v: number | bigint): Field =>
  Uint8Array.from([...varint(no << 3), ...varint(v)]);
const bytesField = (no: number, b: Uint8Array): Field =>
  cat([Uint8Array.from([...varint((no << 3) | 2), ...varint(b.length)]), b]);
const strField = (no: number, s: string): Field => bytesField(no, new TextEncoder().encode(s));
function floatField(no: number, f: number): Field {
  const b = new Uint8Array(5);
  b[0] = (no << 3) | 5;
  new DataView(b.buffer).setFloat32(1, f, true);
  return b;
}

/** An attribute value: a number is INT unless listed as float, a number[] is INTS. */
export type AttrValue = { i: number } | { f: number } | { ints: number[] } | { s: string };

/** One graph node: op type, input/output value names, attributes. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
}

/** A graph input/output: float32 tensor; a string dimension is symbolic (dynamic). */
export interface OnnxValue {
  name: string;
  dims: (number | string)[];
  /** ONNX elem type: 1 = float32, 7 = int64. @default 1 */
  elemType?: number;
}

function attribute(name: string, v: AttrValue): Field {
  if ('i' in v) return cat([strField(1, name), intField(3, v.i), intField(20, 2)]);
  if ('f' in v) return cat([strField(1, name), floatField(2, v.f), intField(20, 1)]);
  if ('s' in v) return cat([strField(1, name), strField(4, v.s), intField(20, 3)]);
  return cat([strField(1, name), ...v.ints.map((x) => intField(8, x)), intField(20, 7)]);
}

function node(n: OnnxNode, idx: number): Field {
  return cat([
    ...n.inputs.map((s) => strField(1, s)),
    ...n.outputs.map((s) => strField(2, s)),
    strField(3, `n${idx}`),
    strField(4, n.op),
    ...Object.entries(n.attrs ?? {}).map(([k, v]) => bytesField(5, attribute(k, v))),
  ]);
}

function valueInfo(v: OnnxValue): Field {
  const dims = v.dims.map((d) =>
    bytesField(1, typeof d === 'number' ? intField(1, d) : strField(2, d)),
  );
  const tensorType = cat([intField(1, v.elemType ?? 1), bytesField(2, cat(dims))]);
  return cat([strField(1, v.name), bytesField(2, bytesField(1, tensorType))]);
}

/** A constant tensor baked into the graph (weights, shapes): float32 or int64 data. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

function tensorProto(t: OnnxTensor): Field {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return cat([
    ...t.dims.map((d) => intField(1, d)),
    intField(2, t.data instanceof Float32Array ? 1 : 7),
    strField(8, t.name),
    bytesField(9, raw),
  ]);
}

/** Serialises a single-graph ONNX model (opset 17) to bytes for InferenceSession. */
export function encodeModel(
  nodes: OnnxNode[],
  inputs: OnnxValue[],
  outputs: OnnxValue[],
  initializers: OnnxTensor[] = [],
): Uint8Array {
  const graph = cat([
    ...nodes.map((n, i) => bytesField(1, node(n, i))),
    strField(2, 'g'),
    ...initializers.map((t) => bytesField(5, tensorProto(t))),
    ...inputs.map((v) => bytesField(11, valueInfo(v))),
    ...outputs.map((v) => bytesField(12, valueInfo(v))),
  ]);
  const opset = cat([strField(1, ''), intField(2, 17)]);
  return cat([
    intField(1, 8),
    strField(2, 'loopsmith'),
    bytesField(7, graph),
    bytesField(8, opset),
  ]);
}
