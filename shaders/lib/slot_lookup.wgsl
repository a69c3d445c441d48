// Shared by shaders/latent_grad.wgsl and shaders/enc_grad.wgsl (their launcher appends it after the kernel, so
// compile errors keep the kernel's own line numbers): latent l's slot in row m, by binary search over the row's
// byLatent words (latent << 10) | slot, sorted ascending (shaders/topk_rows.wgsl WRITE_BY_LATENT). log2 k reads
// instead of a scan of the row's k indices: at k = 512 that is 9 reads, not ~256, for every (latent, row, thread).
// Not a kernel on its own: it has no entry point. The kernel declares `byLatent` and `p.k`.

const LOOKUP_SLOT_BITS = 10u;

/// The slot j with idx[m, j] == l; k when the row does not hold l (never for a bit set in the bitmap).
fn slotOf(m: u32, l: u32) -> u32 {
  let base = m * p.k;
  var lo = 0u;
  var hi = p.k;
  while (lo < hi) {
    let mid = (lo + hi) >> 1u;
    if ((byLatent[base + mid] >> LOOKUP_SLOT_BITS) < l) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  if (lo < p.k && (byLatent[base + lo] >> LOOKUP_SLOT_BITS) == l) {
    return byLatent[base + lo] & ((1u << LOOKUP_SLOT_BITS) - 1u);
  }
  return p.k;
}
