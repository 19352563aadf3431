/**
 * The S3 event notification message (S3's "event message structure", eventVersion 2.1) built
 * from a change-feed event (engine feed/events.ts) and the configuration it matched.
 *
 * As S3: eventName without the `s3:` prefix; the object key URL-encoded the way S3 does it
 * (form encoding, a space is `+`, `/` kept); size and eTag only for created / tagged / ACL'd
 * objects; versionId only when the bucket is versioned (not for the `null` version); sequencer
 * in hex, increasing per key (the feed's seq). The principal of a worker's change (lifecycle) is
 * its requester id (`cairn:lifecycle`), of an anonymous request `Anonymous`.
 */
import type { FeedEvent, NotificationRule } from '@cairn/engine';

export interface S3EventRecord {
  eventVersion: '2.1';
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string };
  };
}

export interface S3EventMessage {
  Records: S3EventRecord[];
}

/** S3's key encoding in events: application/x-www-form-urlencoded, but `/` left as is. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

const WITHOUT_OBJECT_DETAILS = /^(ObjectRemoved|LifecycleExpiration):/;

export function eventRecord(e: FeedEvent, rule: NotificationRule, bucket: { name: string; owner: string }, region: string): S3EventRecord {
  // Built in S3's member order: key, size, eTag, versionId, sequencer.
  const object = { key: encodeEventKey(e.key) } as S3EventRecord['s3']['object'];
  if (!WITHOUT_OBJECT_DETAILS.test(e.event)) {
    if (e.size !== undefined) object.size = e.size;
    if (e.etag !== undefined) object.eTag = e.etag.replace(/"/g, '');
  }
  if (e.versionId !== undefined && e.versionId !== 'null') object.versionId = e.versionId;
  object.sequencer = e.sequencer;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: new Date(e.time).toISOString(),
    eventName: e.event,
    userIdentity: { principalId: e.requester ?? 'Anonymous' },
    requestParameters: { sourceIPAddress: (e.sourceIp ?? '').replace(/^::ffff:(?=\d+\.)/, '') },
    responseElements: { 'x-amz-request-id': e.requestId ?? '', 'x-amz-id-2': e.hostId ?? '' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: rule.id,
      bucket: { name: bucket.name, ownerIdentity: { principalId: bucket.owner }, arn: `arn:aws:s3:::${bucket.name}` },
      object,
    },
  };
}
