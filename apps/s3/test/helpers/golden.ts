/**
 * Golden-file comparison for the XML codecs' tests: the rendered document must equal
 * test/golden/<name> byte for byte. UPDATE_GOLDEN=1 rewrites the files (then review the diff).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const GOLDEN_DIR = join(__dirname, '..', 'golden');

export function golden(name: string, xml: string): void {
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, xml + '\n');
  if (!existsSync(file)) throw new Error(`missing golden file ${name} (run with UPDATE_GOLDEN=1)`);
  expect(xml + '\n').toBe(readFileSync(file, 'utf8'));
}

/** The S3 error code a codec's parse rejects with; a parse that succeeds fails the test. */
export async function rejectedCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code: string }).code;
  }
  throw new Error('expected an error');
}
