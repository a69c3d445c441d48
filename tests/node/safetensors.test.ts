import { describe, expect, it } from 'vitest';
import { SafetensorsError } from '../../src/core/errors';
import { readSafetensorsBlob, readSafetensorsBytes, readSafetensorsResponse, tensorToF32 } from '../../src/core/safetensors';
import { writeSafetensors } from '../reference/safetensors-ref';

const values = Float32Array.from([0, -0, 1, -2.5, 65504, 1e-7, 3.14159, -1e-3]);

function file(dtype: 'F32' | 'F16' | 'BF16'): Uint8Array {
  return writeSafetensors({ a: { dtype, shape: [2, 4], data: values }, b: { dtype, shape: [3], data: Float32Array.of(1, 2, 3) } });
}

/** A Response whose body arrives in the given chunk sizes, like a slow network. */
function chunkedResponse(bytes: Uint8Array, chunk: number, contentLength: number | null = bytes.byteLength): Response {
  let off = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (off >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(off, off + chunk));
      off += chunk;
    },
  });
  return new Response(body, { headers: contentLength === null ? {} : { 'content-length': String(contentLength) } });
}

describe('safetensors reader', () => {
  it('reads F32 exactly, and F16/BF16 to the nearest representable value', () => {
    const f32 = readSafetensorsBytes(file('F32'));
    expect(Array.from(tensorToF32(f32, 'a'))).toEqual(Array.from(values));
    const f16 = tensorToF32(readSafetensorsBytes(file('F16')), 'a');
    expect(f16[4]).toBe(65504); // largest half
    expect(f16[5]).toBeCloseTo(1.1920928955078125e-7, 12); // subnormal half
    expect(Object.is(f16[1], -0)).toBe(true);
    expect(f16[6]).toBeCloseTo(3.140625, 6);
    const bf16 = tensorToF32(readSafetensorsBytes(file('BF16')), 'a');
    expect(bf16[3]).toBe(-2.5);
    expect(bf16[6]).toBeCloseTo(3.140625, 6);
    expect(readSafetensorsBytes(file('F16')).tensors.get('a')).toMatchObject({ dtype: 'F16', shape: [2, 4] });
  });

  it('reads the same tensors from a Blob and from a chunked Response (with and without Content-Length)', async () => {
    const bytes = file('F32');
    const fromBlob = await readSafetensorsBlob(new Blob([bytes as BlobPart]));
    expect(Array.from(tensorToF32(fromBlob, 'b'))).toEqual([1, 2, 3]);
    const progress: number[] = [];
    const fromResponse = await readSafetensorsResponse(chunkedResponse(bytes, 7), 'x', (loaded) => progress.push(loaded));
    expect(Array.from(tensorToF32(fromResponse, 'a'))).toEqual(Array.from(values));
    expect(progress.at(-1)).toBe(bytes.byteLength);
    const unknownLength = await readSafetensorsResponse(chunkedResponse(bytes, 5, null));
    expect(Array.from(tensorToF32(unknownLength, 'b'))).toEqual([1, 2, 3]);
  });

  it('names the problem in a truncated or corrupt file', async () => {
    const bytes = file('F32');
    expect(() => readSafetensorsBytes(bytes.subarray(0, bytes.byteLength - 3), 'model.safetensors')).toThrow(/model.safetensors is truncated: tensor "b"/);
    expect(() => readSafetensorsBytes(bytes.subarray(0, 20))).toThrow(/truncated inside its header/);
    expect(() => readSafetensorsBytes(new Uint8Array(4))).toThrow(/shorter than 8 bytes/);
    expect(() => readSafetensorsBytes(new TextEncoder().encode('<!DOCTYPE html><html>not a model</html>'))).toThrow(/implausible/);
    const badJson = bytes.slice();
    badJson[9] = 0x7b; // '{' inside the header breaks the JSON
    expect(() => readSafetensorsBytes(badJson)).toThrow(SafetensorsError);
    // A server that closes early: fewer bytes than Content-Length.
    await expect(readSafetensorsResponse(chunkedResponse(bytes.subarray(0, 100), 16, bytes.byteLength), 'model.safetensors')).rejects.toThrow(
      /received 100 of \d+ bytes/,
    );
  });

  it('checks each tensor against its dtype and shape', () => {
    const header = JSON.stringify({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } });
    const bytes = new Uint8Array(8 + header.length + 16);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    expect(() => readSafetensorsBytes(bytes)).toThrow(/needs 16 bytes but data_offsets span 12/);
    const odd = JSON.stringify({ w: { dtype: 'Q4', shape: [2], data_offsets: [0, 1] } });
    const b2 = new Uint8Array(8 + odd.length + 1);
    new DataView(b2.buffer).setBigUint64(0, BigInt(odd.length), true);
    b2.set(new TextEncoder().encode(odd), 8);
    expect(() => readSafetensorsBytes(b2)).toThrow(/unsupported dtype "Q4"/);
  });
});
