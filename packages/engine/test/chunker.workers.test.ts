/**
 * The chunker's worker mode (bodies ≥ 256 KiB or of unknown length hash MD5 + SHA-256 in the
 * hash pool, chunks sent as the body's pieces): same digests and chunk names as hashing in place,
 * chunk order kept under concurrency, pieces moved only with `transferBody`, and a failing body
 * releases every pin.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chunkBody } from '../src/chunks/chunker';
import { ChunkStore } from '../src/chunks/chunkStore';
import { bytes } from './helpers';

async function store(): Promise<{ store: ChunkStore; dir: string }> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-chunker-'));
  const s = new ChunkStore(dir, false);
  await s.init();
  return { store: s, dir };
}

function pieces(data: Buffer, size: number): AsyncIterable<Buffer> {
  return (async function* () {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  })();
}

describe('chunker worker mode', () => {
  /** Pieces that own their memory, as a socket's do; 10,000 bytes, so they straddle chunk boundaries. */
  const ownedPieces = (data: Buffer): Buffer[] => {
    const out: Buffer[] = [];
    for (let i = 0; i < data.length; i += 10_000) {
      const p = Buffer.allocUnsafeSlow(Math.min(10_000, data.length - i));
      data.copy(p, 0, i, i + p.length);
      out.push(p);
    }
    return out;
  };

  it('transferBody moves owned pieces to the hash thread (detached here); without it they stay intact; bytes exact either way', async () => {
    const { store: s, dir } = await store();
    const chunkSize = 64 * 1024;
    const data = bytes(chunkSize * 5 + 999, 5);
    for (const transferBody of [true, false]) {
      const own = ownedPieces(data);
      const r = await chunkBody(
        (async function* () {
          yield* own;
        })(),
        { chunkSize, store: s, maxSize: 1 << 30, contentLength: data.length, transferBody },
      );
      expect(r.digests.md5.equals(createHash('md5').update(data).digest())).toBe(true);
      expect(r.chunks.length).toBe(6);
      r.chunks.forEach((c, k) => {
        const part = data.subarray(k * chunkSize, (k + 1) * chunkSize);
        expect(c).toEqual({ hash: createHash('sha256').update(part).digest('hex'), size: part.length });
        expect(fs.readFileSync(s.pathOf(c.hash)).equals(part)).toBe(true);
      });
      const detached = own.filter((p) => p.buffer.byteLength === 0).length;
      if (transferBody) expect(detached).toBe(own.length);
      else {
        expect(detached).toBe(0);
        expect(Buffer.concat(own).equals(data)).toBe(true);
      }
      s.pins.unpinAll(r.pinned);
    }
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['known length', true],
    ['unknown length', false],
  ])('matches in-place hashing (%s), across several concurrent bodies', async (_name, known) => {
    const { store: s, dir } = await store();
    const chunkSize = 64 * 1024;
    const bodies = [0, 1, 2, 3].map((i) => bytes(chunkSize * 9 + 1234 * i, 11 + i));
    const results = await Promise.all(
      bodies.map((b) => chunkBody(pieces(b, 7000), { chunkSize, store: s, maxSize: 1 << 30, contentLength: known ? b.length : undefined })),
    );
    results.forEach((r, i) => {
      const b = bodies[i];
      expect(r.digests.md5.equals(createHash('md5').update(b).digest())).toBe(true);
      expect(r.digests.size).toBe(b.length);
      expect(r.chunks.length).toBe(Math.ceil(b.length / chunkSize));
      r.chunks.forEach((c, k) => {
        const part = b.subarray(k * chunkSize, (k + 1) * chunkSize);
        expect(c).toEqual({ hash: createHash('sha256').update(part).digest('hex'), size: part.length });
        expect(fs.readFileSync(s.pathOf(c.hash)).equals(part)).toBe(true);
      });
      s.pins.unpinAll(r.pinned);
    });
    expect(s.pins.size).toBe(0);
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('a small body of unknown length still becomes inline data with the right MD5', async () => {
    const { store: s, dir } = await store();
    const b = bytes(100, 3);
    const r = await chunkBody(pieces(b, 30), { chunkSize: 64 * 1024, store: s, maxSize: 1 << 30, inlineMax: 1024 });
    expect(r.inline?.equals(b)).toBe(true);
    expect(r.chunks).toEqual([]);
    expect(r.digests.md5.equals(createHash('md5').update(b).digest())).toBe(true);
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('keeps working after idle hash threads were ended (they restart on demand)', async () => {
    const { store: s, dir } = await store();
    const b = bytes(300 * 1024, 9);
    const opts = { chunkSize: 64 * 1024, store: s, maxSize: 1 << 30, contentLength: b.length };
    const first = await chunkBody(pieces(b, 10000), opts);
    s.pins.unpinAll(first.pinned);
    await new Promise((r) => setTimeout(r, 2500)); // > IDLE_MS: the threads retire
    const second = await chunkBody(pieces(b, 10000), opts);
    s.pins.unpinAll(second.pinned);
    expect(second.digests.md5.equals(createHash('md5').update(b).digest())).toBe(true);
    expect(second.chunks).toEqual(first.chunks);
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('a body that fails midway unpins everything it pinned', async () => {
    const { store: s, dir } = await store();
    const data = bytes(1024 * 1024, 5);
    async function* failing() {
      yield data.subarray(0, 600 * 1024);
      throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    }
    await expect(chunkBody(failing(), { chunkSize: 64 * 1024, store: s, maxSize: 1 << 30, contentLength: data.length })).rejects.toMatchObject({
      code: 'IncompleteBody',
    });
    expect(s.pins.size).toBe(0);
    await fs.promises.rm(dir, { recursive: true, force: true });
  });
});
