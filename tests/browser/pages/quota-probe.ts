// Proves that a storage quota set with CDP's Storage.overrideQuotaForOrigin is in force for IndexedDB
// before a test relies on it. Chromium (156) keeps the space an origin's IndexedDB bucket may still
// use, as it looked it up at a write, and goes on writing against it for a while: an override made
// within 5 s of the context's last IndexedDB write was never enforced here (not after a reload, a
// closed connection, or in another database), one made 40 s later was. So whether a test that
// follows other writes meets its quota depends on timing — the order-dependent failure of the harvest
// quota test. The probe writes more than the headroom into a database of its own and must be refused;
// it deletes that database either way.

const PROBE_DB = 'sse-quota-probe';

/** Tries to store `bytes` incompressible bytes; 'refused' (QuotaExceededError) or 'stored'. */
export async function probeQuota(bytes: number): Promise<'refused' | 'stored'> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(PROBE_DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('probe');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const value = new Uint8Array(bytes);
  // Random bytes, so IndexedDB's value compression cannot shrink the probe below the headroom.
  for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(value.subarray(at, Math.min(bytes, at + 65536)));
  const outcome = await new Promise<'refused' | 'stored'>((resolve, reject) => {
    const tx = db.transaction('probe', 'readwrite');
    tx.objectStore('probe').put(value, 'probe');
    tx.oncomplete = () => resolve('stored');
    tx.onabort = () => (tx.error?.name === 'QuotaExceededError' ? resolve('refused') : reject(tx.error));
  });
  db.close();
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.deleteDatabase(PROBE_DB);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  });
  return outcome;
}
