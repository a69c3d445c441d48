// File identity for caches and provenance. crypto.subtle has no incremental digest, so big files are
// hashed slice by slice to keep memory bounded.

/** Files up to this size hash to plain SHA-256; larger ones are hashed in slices of this size. */
export const HASH_SLICE_BYTES = 64 * 1024 * 1024;

/**
 * "Chunked SHA-256", lowercase hex. For a file of at most `sliceBytes` this is plain SHA-256 (equals
 * sha256sum). Larger files: SHA-256 of the concatenated 32-byte SHA-256 digests of each slice — stable for the
 * same bytes, but NOT what sha256sum prints. Never change `sliceBytes` for stored hashes (tests only).
 */
export async function hashFile(blob: Blob, sliceBytes = HASH_SLICE_BYTES): Promise<string> {
  if (blob.size <= sliceBytes) return hex(await sha256(await blob.arrayBuffer()));
  const slices = Math.ceil(blob.size / sliceBytes);
  const digests = new Uint8Array(slices * 32);
  for (let i = 0; i < slices; i++) {
    const bytes = await blob.slice(i * sliceBytes, (i + 1) * sliceBytes).arrayBuffer();
    digests.set(await sha256(bytes), i * 32);
  }
  return hex(await sha256(digests));
}

async function sha256(data: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
