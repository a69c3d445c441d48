// Typed arrays → base64, to hand tensors from a page to the Node side of a test without JSON number arrays.
export function toBase64(data: Float32Array | Uint32Array | Uint16Array | Int32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
