/**
 * OptionsBucket / OptionsObject: the CORS preflight, answered from the bucket's CORS rules with
 * no authentication (browsers never send credentials on a preflight), as S3 does.
 */
import type { Handler } from '../../context';
import { header } from '../../context';
import { s3Error } from '../../errors';
import { CORS_NOT_ALLOWED, CORS_NOT_ENABLED, corsHeaders, findCorsRule, parseRequestHeaders } from '../../http/cors';
import { CORS_METHODS } from '../../xml/corsConfiguration';

export const corsPreflight: Handler = async (c) => {
  const origin = header(c, 'origin');
  if (!origin) throw s3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  const method = header(c, 'access-control-request-method')?.trim();
  if (!method || !(CORS_METHODS as readonly string[]).includes(method)) {
    throw s3Error('BadRequest', `Invalid Access-Control-Request-Method: ${method ?? ''}`);
  }
  const resourceType = c.key === undefined ? 'BUCKET' : 'OBJECT';
  const rules = await c.engine.getBucketCors(c.bucket!.name);
  if (!rules) throw s3Error('AccessForbidden', CORS_NOT_ENABLED, { Method: method, ResourceType: resourceType });
  const requestHeaders = parseRequestHeaders(header(c, 'access-control-request-headers'));
  const rule = findCorsRule(rules, origin, method, requestHeaders);
  if (!rule) throw s3Error('AccessForbidden', CORS_NOT_ALLOWED, { Method: method, ResourceType: resourceType });
  return { status: 200, headers: { ...corsHeaders(rule, origin, { requestHeaders }), 'Content-Length': 0 } };
};
