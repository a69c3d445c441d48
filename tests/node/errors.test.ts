// Error messages as the page shows them: a storage quota refusal is one clear sentence naming what did not fit,
// what is kept and what to do (never "QuotaExceededError: QuotaExceededError: "); a corpus with no usable file
// names each file's reason.
import { describe, expect, it } from 'vitest';
import { LabError, StoreQuotaError, describeError, isQuotaError, quotaMessage, withQuota } from '../../src/core/errors';
import { WorkerError } from '../../src/worker/client';
import { EmptyCorpusError, emptyCorpusMessage } from '../../src/store/tokenize';

/** What Chromium's IndexedDB rejects a write with when the origin is out of space: a DOMException with no message. */
const refusal = () => new DOMException('', 'QuotaExceededError');

describe('quota messages', () => {
  it('names what did not fit, what is kept and what to do', () => {
    expect(quotaMessage('shard 6 of run moby.txt (48 rows)', 'Committed shards are kept: 5 shards, 240 of 900 rows', 'resume the run')).toBe(
      'shard 6 of run moby.txt (48 rows) did not fit: the browser refused to store more data (storage quota exceeded). ' +
        'Committed shards are kept: 5 shards, 240 of 900 rows. ' +
        'Free space (delete runs, trainings or SAEs you no longer need, or allow this site more storage), then resume the run.',
    );
  });

  it('withQuota turns a refused write into a StoreQuotaError, once, and lets other errors through', async () => {
    const what = () => quotaMessage('the checkpoint at step 40', 'The checkpoint at step 20 is kept', 'resume it');
    const err = await withQuota(() => Promise.reject(refusal()), what).catch((e) => e);
    expect(err).toBeInstanceOf(StoreQuotaError);
    expect(describeError(err)).toBe(`StoreQuotaError: ${what()}`);
    // A write nested in another keeps the inner, more precise message.
    const nested = await withQuota(() => withQuota(() => Promise.reject(refusal()), what), () => 'outer').catch((e) => e);
    expect(nested.message).toBe(what());
    const other = new TypeError('not a quota problem');
    expect(await withQuota(() => Promise.reject(other), what).catch((e) => e)).toBe(other);
    expect(isQuotaError(err)).toBe(false);
    expect(isQuotaError(refusal())).toBe(true);
    expect(isQuotaError(new Error('Quota exceeded.'))).toBe(true); // a refusal told by its message
    expect(isQuotaError(new Error('no quota problem here'))).toBe(false);
  });

  it('a raw refusal, here or after the worker boundary, reads as the quota message, never its name twice', () => {
    const raw = describeError(refusal());
    expect(raw).toMatch(/^The data being saved did not fit: the browser refused to store more data \(storage quota exceeded\)\./);
    // The worker sends name and message (an empty message is filled with describeError); the page describes it again.
    const crossed = new WorkerError('QuotaExceededError', describeError(refusal()));
    expect(describeError(crossed)).toBe(raw);
    expect(describeError(crossed)).not.toMatch(/QuotaExceededError/);
  });

  it('does not repeat an error’s name, and an empty message still says something', () => {
    expect(describeError(new WorkerError('HookNameError', 'HookNameError: no hook blocks.99.hook_resid_post'))).toBe('HookNameError: no hook blocks.99.hook_resid_post');
    expect(describeError(new LabError('bad input'))).toBe('LabError: bad input');
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError(new DOMException('', 'AbortError'))).toBe('AbortError: failed without saying why');
  });
});

describe('a corpus with no usable file', () => {
  const rejections = [
    { file: 'e-image.txt', reason: 'looks like a binary file (contains NUL bytes)' },
    { file: 'f-latin1.txt', reason: 'not UTF-8 text' },
    { file: 'g-empty.txt', reason: 'empty file' },
  ];

  it('is refused with every file’s reason', () => {
    const err = new EmptyCorpusError(3, rejections);
    expect(err.detail.rejections).toEqual(rejections);
    expect(describeError(err)).toBe(
      'EmptyCorpusError: no run was made: none of the 3 files holds text to tokenize (e-image.txt: looks like a binary file (contains NUL bytes); ' +
        'f-latin1.txt: not UTF-8 text; g-empty.txt: empty file). Choose UTF-8 text files (.txt, .md, .jsonl or .csv; for .jsonl and .csv, check the field or column name).',
    );
  });

  it('names lines, one file, and counts reasons past the fifth', () => {
    expect(emptyCorpusMessage(1, [{ file: 'a.jsonl', line: 2, reason: 'line 2: not valid JSON' }])).toMatch(/^no run was made: the file holds no text to tokenize \(a\.jsonl:2: line 2: not valid JSON\)\./);
    const many = Array.from({ length: 8 }, (_, i) => ({ file: `f${i}.txt`, reason: 'empty file' }));
    expect(emptyCorpusMessage(8, many)).toMatch(/f4\.txt: empty file; 3 more\)/);
  });
});
