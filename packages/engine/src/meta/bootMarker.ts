/**
 * "This LevelDB store is open since boot X" (`meta/OPEN-BOOT`). Under group commit (commit.ts)
 * several written-but-unsynced batches can be in flight. A process crash (kill -9) loses none
 * of them: they are in the OS page cache. A power loss or kernel crash can, and the disk may
 * keep a later batch without an earlier one (write-back order), leaving reference counts that
 * disagree with the records. None of those changes was acknowledged, but the store must be
 * checked before serving: finding the marker from another boot says exactly that happened
 * (`cairn serve` then runs fsck --repair first). A clean close removes the marker.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const BOOT_MARKER = 'OPEN-BOOT';

/** Linux's id of this boot; elsewhere the boot time to the minute (a mismatch only costs a check). */
export function currentBootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return `boot-minute:${Math.round((Date.now() / 1000 - os.uptime()) / 60)}`;
  }
}

/** True when the store in dataDir was open when the machine last went down (see above). */
export async function openedInEarlierBoot(dataDir: string): Promise<boolean> {
  let raw: string;
  try {
    raw = await fs.promises.readFile(path.join(dataDir, 'meta', BOOT_MARKER), 'utf8');
  } catch {
    return false;
  }
  try {
    return (JSON.parse(raw) as { bootId?: string }).bootId !== currentBootId();
  } catch {
    return true; // a torn marker: the machine went down while writing it
  }
}

/** Records that the store in `metaDir` is open in this boot (durably: file and directory fsynced). */
export async function writeBootMarker(metaDir: string): Promise<void> {
  const file = path.join(metaDir, BOOT_MARKER);
  const fh = await fs.promises.open(file, 'w');
  try {
    await fh.writeFile(JSON.stringify({ bootId: currentBootId(), pid: process.pid, openedAt: new Date().toISOString() }));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsyncDirectory(metaDir);
}

export async function removeBootMarker(metaDir: string): Promise<void> {
  await fs.promises.rm(path.join(metaDir, BOOT_MARKER), { force: true });
  await fsyncDirectory(metaDir).catch(() => undefined);
}

async function fsyncDirectory(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
