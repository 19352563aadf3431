/** For unit tests of code that throws S3Error: `p` must reject with `code` (and carry `fields`, when given). */
export async function rejectsWith(p: Promise<unknown>, code: string, fields?: Record<string, string>): Promise<Error & { fields: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code?: string; fields: Record<string, string> };
    expect(err.code).toBe(code);
    if (fields) expect(err.fields).toEqual(expect.objectContaining(fields));
    return err;
  }
  throw new Error(`expected ${code}, but it resolved`);
}
