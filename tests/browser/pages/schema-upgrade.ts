// In-page: a store written by schema v2 (raw IndexedDB, as the previous release left it) opened by today's
// openStore: the upgrade adds the v3 stores and keeps every record.
import { DB_VERSION, openStore } from '../../../src/store/schema';

function openRaw(name: string, version: number, upgrade: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => upgrade(req.result);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function upgradeFromV2(): Promise<{ version: number; stores: string[]; training: unknown; run: unknown }> {
  const name = `sse-upgrade-${Math.random().toString(36).slice(2)}`;
  const old = await openRaw(name, 2, (db) => {
    db.createObjectStore('runs', { keyPath: 'id' });
    db.createObjectStore('windows', { keyPath: ['runId', 'index'] });
    db.createObjectStore('documents', { keyPath: ['runId', 'index'] });
    db.createObjectStore('shards', { keyPath: ['runId', 'hook', 'index'] });
    db.createObjectStore('shardRows', { keyPath: ['runId', 'index'] });
    db.createObjectStore('saeTrainings', { keyPath: 'id' });
  });
  await new Promise<void>((resolve, reject) => {
    const tx = old.transaction(['runs', 'saeTrainings'], 'readwrite');
    tx.objectStore('runs').put({ id: 'run-1', name: 'old run', appVersion: '0.0.9' });
    tx.objectStore('saeTrainings').put({ id: 'sae-1', runId: 'run-1', step: 40, state: { W_dec: new Float32Array([1, 2, 3]) } });
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  old.close();
  const db = await openStore(name);
  try {
    return {
      version: db.version === DB_VERSION ? db.version : -db.version,
      stores: Array.from(db.objectStoreNames).sort(),
      training: await db.get('saeTrainings', 'sae-1'),
      run: await db.get('runs', 'run-1'),
    };
  } finally {
    db.close();
    indexedDB.deleteDatabase(name);
  }
}
