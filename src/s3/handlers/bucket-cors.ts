import { principalId } from '../../auth/principal';
import { updateBucket } from '../../registry/buckets';
import { bucketOf, type S3Handler } from '../context';
import { evaluatePreflight } from '../cors';
import { CORS_ARRAY_PATHS, corsConfigurationDocument, corsRulesFromDocument } from '../cors-config';
import { S3Error } from '../../core/s3-error';
import { readRequestXml } from '../request-xml';
import { xmlResponse } from '../xml';

/** 100 rules of a few origins and headers each stay far below this. */
const MAX_CONFIGURATION_BYTES = 64 * 1024;

/** GetBucketCors: the bucket's rules, or NoSuchCORSConfiguration when it has none. */
export const getBucketCors: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  if (bucket.cors.length === 0) {
    throw new S3Error('NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: bucket.name });
  }
  return xmlResponse(corsConfigurationDocument(bucket.cors));
};

/** PutBucketCors: replaces the bucket's rules in the registry (the same field the admin API sets). */
export const putBucketCors: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  const rules = corsRulesFromDocument(await readRequestXml(c, MAX_CONFIGURATION_BYTES, CORS_ARRAY_PATHS));
  await updateBucket(c.env, bucket.name, { cors: rules }, principalId(c.principal));
  return new Response(null, { status: 200 });
};

/** DeleteBucketCors: 204 whether or not the bucket had rules, as S3 answers. */
export const deleteBucketCors: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  if (bucket.cors.length > 0) await updateBucket(c.env, bucket.name, { cors: [] }, principalId(c.principal));
  return new Response(null, { status: 204 });
};

/**
 * A browser's preflight, answered from the bucket's rules before any authentication (a preflight
 * never carries credentials): 200 with the Access-Control-Allow-* headers, or 403 AccessForbidden.
 */
export const corsPreflight: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  const outcome = evaluatePreflight(bucket.cors, c.request.headers);
  if (outcome.kind === 'incomplete') throw new S3Error('BadRequest', outcome.message);
  if (outcome.kind === 'refused') throw new S3Error('AccessForbidden', outcome.message);
  return new Response(null, { status: 200, headers: outcome.headers });
};
