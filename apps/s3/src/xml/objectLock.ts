/**
 * Object Lock documents: `<ObjectLockConfiguration>` (Put/GetObjectLockConfiguration),
 * `<Retention>` (Put/GetObjectRetention) and `<LegalHold>` (Put/GetObjectLegalHold).
 */
import type { ObjectLockConfiguration, ObjectLockMode, ObjectRetention } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, child, childText, parseXml, type XmlObject } from './codec';

function mode(v: string | undefined): ObjectLockMode {
  if (v !== 'GOVERNANCE' && v !== 'COMPLIANCE') throw s3Error('MalformedXML');
  return v;
}

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw s3Error('MalformedXML');
  return Number(v.trim());
}

export async function parseObjectLockConfiguration(body: Buffer): Promise<ObjectLockConfiguration> {
  const root = await parseXml(body, 'ObjectLockConfiguration');
  if (childText(root, 'ObjectLockEnabled') !== 'Enabled') throw s3Error('MalformedXML');
  const cfg: ObjectLockConfiguration = { enabled: true };
  const rule = child(root, 'Rule');
  if (rule) {
    const d = child(rule, 'DefaultRetention');
    if (!d) throw s3Error('MalformedXML');
    const days = positiveInt(childText(d, 'Days'));
    const years = positiveInt(childText(d, 'Years'));
    cfg.defaultRetention = { mode: mode(childText(d, 'Mode')), ...(days !== undefined ? { days } : {}), ...(years !== undefined ? { years } : {}) };
  }
  return cfg;
}

export function renderObjectLockConfiguration(cfg: ObjectLockConfiguration): string {
  const d = cfg.defaultRetention;
  const body: XmlObject = { ObjectLockEnabled: 'Enabled' };
  if (d) body.Rule = { DefaultRetention: { Mode: d.mode, Days: d.days, Years: d.years } };
  return buildXml('ObjectLockConfiguration', body, { xmlns: true });
}

/** An empty `<Retention/>` (no Mode, no date) asks to remove the retention. */
export async function parseRetention(body: Buffer): Promise<ObjectRetention | undefined> {
  const root = await parseXml(body, 'Retention');
  const m = childText(root, 'Mode');
  const until = childText(root, 'RetainUntilDate');
  if (m === undefined && until === undefined) return undefined;
  if (until === undefined) throw s3Error('MalformedXML');
  const date = new Date(until.trim());
  if (Number.isNaN(date.getTime())) throw s3Error('MalformedXML');
  return { mode: mode(m), retainUntil: date };
}

export function renderRetention(r: ObjectRetention): string {
  return buildXml('Retention', { Mode: r.mode, RetainUntilDate: r.retainUntil }, { xmlns: true });
}

export async function parseLegalHold(body: Buffer): Promise<boolean> {
  const root = await parseXml(body, 'LegalHold');
  const s = childText(root, 'Status');
  if (s !== 'ON' && s !== 'OFF') throw s3Error('MalformedXML');
  return s === 'ON';
}

export function renderLegalHold(on: boolean): string {
  return buildXml('LegalHold', { Status: on ? 'ON' : 'OFF' }, { xmlns: true });
}
