/**
 * The change feed: events are written in the same batch as their change (kill -9 proof), carry
 * who made the change, consumers read / acknowledge, the feed trims what every enabled consumer
 * acknowledged, and the backlog limit drops the oldest events and flags the consumer overflowed.
 * Leases: claim / renew / release / expiry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { buildSync } from 'esbuild';
import { Engine, type FeedEvent } from '../src';
import { openEngine, tempDir } from './helpers';

const body = (s: string) => [Buffer.from(s)] as unknown as AsyncIterable<Buffer>;

describe('change feed', () => {
  it('every change appends an S3-style event with who made it', async () => {
    const t = await openEngine();
    const e = t.engine;
    try {
      await e.createBucket('bkt', { owner: 'root' });
      await e.registerFeedConsumer('c1');
      await e.forRequest({ requester: 'alice', sourceIp: '10.0.0.1', requestId: 'REQ1' }).putObject('bkt', 'k', body('hello'), { owner: 'alice' });
      await e.copyObject('bkt', 'k', 'bkt', 'k2', { owner: 'root' });
      await e.putObjectTagging('bkt', 'k', [{ key: 'a', value: 'b' }]);
      await e.putBucketVersioning('bkt', 'Enabled');
      await e.deleteObject('bkt', 'k'); // delete marker
      const up = await e.createMultipartUpload('bkt', 'mp', { owner: 'root' });
      await e.abortMultipartUpload('bkt', 'mp', up.uploadId);
      await e.deleteObject('bkt', 'k2', { versionId: 'null' });
      const { events, overflowed } = await e.readFeed('c1');
      expect(overflowed).toBe(false);
      expect(events.map((x) => x.event)).toEqual([
        'ObjectCreated:Put',
        'ObjectCreated:Copy',
        'ObjectTagging:Put',
        'ObjectRemoved:DeleteMarkerCreated',
        'MultipartUpload:Abort',
        'ObjectRemoved:Delete',
      ]);
      const put = events[0];
      expect(put).toMatchObject({
        bucket: 'bkt',
        key: 'k',
        versionId: 'null',
        size: 5,
        etag: '5d41402abc4b2a76b9719d911017c592',
        requester: 'alice',
        sourceIp: '10.0.0.1',
        requestId: 'REQ1',
      });
      const seqs = events.map((x) => x.seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i)); // contiguous, increasing
      expect(events[1].sequencer > events[0].sequencer).toBe(true);
      expect(events[3].versionId).toMatch(/^[0-9a-f]{24}$/);
    } finally {
      await t.cleanup();
    }
  });

  it('consumers ack; the feed keeps only what an enabled consumer has not acknowledged; seq survives reopen', async () => {
    const dir = await tempDir();
    let e = await Engine.open({ dataDir: dir, fsync: false });
    try {
      await e.createBucket('bkt', { owner: 'root' });
      await e.registerFeedConsumer('slow');
      await e.registerFeedConsumer('fast');
      for (let i = 0; i < 5; i++) await e.putObject('bkt', `k${i}`, body('x'), { owner: 'root' });
      const all = (await e.readFeed('fast')).events;
      expect(all).toHaveLength(5);
      await e.ackFeed('fast', all[4].seq);
      await e.ackFeed('slow', all[1].seq);
      await e.maintainFeed();
      let st = await e.feedStatus();
      expect(st.size).toBe(3); // slow still needs 3..5
      expect(st.consumers.find((c) => c.name === 'slow')!.backlog).toBe(3);
      expect(st.oldestUnackedAgeMs).not.toBeNull();
      expect((await e.readFeed('slow')).events.map((x) => x.seq)).toEqual([all[2].seq, all[3].seq, all[4].seq]);
      // A disabled consumer no longer holds the feed back.
      await e.registerFeedConsumer('slow', { enabled: false });
      await e.maintainFeed();
      st = await e.feedStatus();
      expect(st.size).toBe(0);
      expect(st.oldestUnackedAgeMs).toBeNull();
      await e.close();
      e = await Engine.open({ dataDir: dir, fsync: false });
      await e.putObject('bkt', 'again', body('y'), { owner: 'root' });
      const after = (await e.readFeed('fast')).events;
      expect(after).toHaveLength(1);
      expect(after[0].seq).toBe(all[4].seq + 1); // the sequence continues after a restart
      // Re-enabled: it missed events that were trimmed while it was disabled.
      await e.registerFeedConsumer('slow', { enabled: true });
      expect((await e.readFeed('slow')).overflowed).toBe(true);
    } finally {
      await e.close();
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });

  it('backlog limit: the oldest events are dropped, the lagging consumer is flagged overflowed until it acks', async () => {
    const t = await openEngine({ feedMaxEvents: 4 });
    const e = t.engine;
    try {
      await e.createBucket('bkt', { owner: 'root' });
      await e.registerFeedConsumer('lagging');
      for (let i = 0; i < 10; i++) await e.putObject('bkt', `k${i}`, body('x'), { owner: 'root' });
      expect((await e.feedStatus()).size).toBe(10); // writes are never refused
      const r = await e.maintainFeed();
      expect(r).toEqual({ trimmed: 6, dropped: 6 });
      const st = await e.feedStatus();
      expect(st.size).toBe(4);
      const c = st.consumers.find((x) => x.name === 'lagging')!;
      expect(c.overflowed).toBe(true);
      expect(c.overflows).toBe(1);
      const read = await e.readFeed('lagging');
      expect(read.overflowed).toBe(true);
      expect(read.events.map((x) => x.key)).toEqual(['k6', 'k7', 'k8', 'k9']);
      await e.ackFeed('lagging', read.events[3].seq);
      expect((await e.readFeed('lagging')).overflowed).toBe(false);
      await expect(e.ackFeed('lagging', 10_000)).rejects.toMatchObject({ code: 'InvalidArgument' });
    } finally {
      await t.cleanup();
    }
  });

  it('an event is in the same batch as its change: kill -9 mid-write leaves neither without the other', async () => {
    const dir = await tempDir();
    const cacheDir = path.join(__dirname, '..', '..', '..', 'node_modules', '.cache', 'cairn-engine-test');
    await fs.promises.mkdir(cacheDir, { recursive: true });
    const out = path.join(cacheDir, `feed-crash-child-${process.pid}.js`);
    buildSync({
      entryPoints: [path.join(__dirname, 'feed-crash-child.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile: out,
      external: ['level', 'classic-level', 'memory-level', 'abstract-level'],
      logLevel: 'silent',
    });
    const data = path.join(dir, 'data');
    let acked = 0; // acknowledged PUTs (a DELETE of a missing key changes nothing, so has no event)
    for (let round = 0; round < 2; round++) {
      const child = spawn(process.execPath, [out, data], { stdio: ['ignore', 'pipe', 'pipe'] });
      let n = 0;
      let puts = 0;
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          const lines = d.toString().split('\n');
          n += lines.length - 1;
          puts += lines.filter((l) => l.startsWith('ok ')).length;
          if (n >= 120) child.kill('SIGKILL');
        });
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`))));
      });
      acked += puts;
    }
    const e = await Engine.open({ dataDir: data, chunkSize: 4096 });
    try {
      const events: FeedEvent[] = [];
      for (;;) {
        const r = await e.readFeed('audit', { limit: 10_000 });
        if (!r.events.length) break;
        events.push(...r.events);
        await e.ackFeed('audit', r.events[r.events.length - 1].seq);
      }
      // Every acknowledged change has its event; at most the one change in flight per kill more.
      const created = events.filter((x) => x.event === 'ObjectCreated:Put').length;
      expect(created).toBeGreaterThanOrEqual(acked);
      expect(created).toBeLessThanOrEqual(acked + 2);
      const seqs = events.map((x) => x.seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
      // Replaying the events gives exactly the store's state: no event without its change.
      const state = new Map<string, string | null>();
      for (const ev of events) state.set(ev.key, ev.event === 'ObjectCreated:Put' ? ev.etag! : null);
      for (const [key, etag] of state) {
        const got = await e.headObject('feed', key).catch((err: { code: string }) => err);
        if (etag === null) expect((got as { code: string }).code).toBe('NoSuchKey');
        else expect((got as { meta: { etag: string } }).meta.etag).toBe(etag);
      }
      expect((await e.verifyRefcounts()).problems).toEqual([]);
    } finally {
      await e.close();
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.rm(out, { force: true });
    }
  }, 60_000);
});

describe('leases', () => {
  it('one holder at a time; renew keeps it; expiry or release frees it', async () => {
    const t = await openEngine();
    const e = t.engine;
    try {
      expect((await e.claimLease('worker/x', 'A', 200)).held).toBe(true);
      const b = await e.claimLease('worker/x', 'B', 200);
      expect(b.held).toBe(false);
      expect(b.lease!.owner).toBe('A');
      expect((await e.renewLease('worker/x', 'A', 200)).held).toBe(true);
      expect((await e.renewLease('worker/x', 'B', 200)).held).toBe(false);
      await new Promise((r) => setTimeout(r, 250));
      expect((await e.claimLease('worker/x', 'B', 10_000)).held).toBe(true); // A stopped renewing
      expect((await e.renewLease('worker/x', 'A', 200)).held).toBe(false); // A lost it
      await e.releaseLease('worker/x', 'A'); // not A's: no-op
      expect((await e.claimLease('worker/x', 'A', 200)).held).toBe(false);
      await e.releaseLease('worker/x', 'B');
      expect((await e.claimLease('worker/x', 'A', 200)).held).toBe(true);
    } finally {
      await t.cleanup();
    }
  });
});
