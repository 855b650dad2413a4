import { CorsRule } from '../registry/schemas';
import { S3Error } from '../core/s3-error';
import { elementText } from './request-xml';
import { S3_XMLNS } from './xml';

/** S3's own limit on rules per configuration. */
export const MAX_CORS_RULES = 100;

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);

/** The arrays fast-xml-parser must always produce for a CORSConfiguration. */
export const CORS_ARRAY_PATHS = [
  'CORSConfiguration.CORSRule',
  'CORSConfiguration.CORSRule.AllowedOrigin',
  'CORSConfiguration.CORSRule.AllowedMethod',
  'CORSConfiguration.CORSRule.AllowedHeader',
  'CORSConfiguration.CORSRule.ExposeHeader',
];

/** The registry's rules as GetBucketCors answers them. */
export function corsConfigurationDocument(rules: readonly CorsRule[]): Record<string, unknown> {
  return {
    CORSConfiguration: {
      '@_xmlns': S3_XMLNS,
      CORSRule: rules.map((r) => ({
        AllowedHeader: r.allowedHeaders,
        AllowedMethod: r.allowedMethods,
        AllowedOrigin: r.allowedOrigins,
        ExposeHeader: r.exposeHeaders,
        ...(r.maxAgeSeconds !== undefined ? { MaxAgeSeconds: r.maxAgeSeconds } : {}),
      })),
    },
  };
}

/**
 * A parsed PutBucketCors document → registry rules, with S3's checks: at least one and at most 100
 * rules, each with an origin and a method S3 knows, at most one `*` per origin or header. `ID` is
 * accepted and not kept (the registry's rules have no ids).
 */
export function corsRulesFromDocument(doc: Record<string, unknown>): CorsRule[] {
  const config = doc.CORSConfiguration;
  if (!isRecord(config) || !Array.isArray(config.CORSRule) || config.CORSRule.length === 0) throw malformed();
  if (config.CORSRule.length > MAX_CORS_RULES) {
    throw new S3Error('InvalidRequest', `A CORS configuration can have at most ${MAX_CORS_RULES} rules.`);
  }
  return config.CORSRule.map((element) => {
    if (!isRecord(element)) throw malformed();
    const methods = texts(element.AllowedMethod);
    const unsupported = methods.find((m) => !METHODS.has(m));
    if (unsupported !== undefined) {
      throw new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${unsupported}`);
    }
    const origins = texts(element.AllowedOrigin);
    const headers = texts(element.AllowedHeader);
    for (const value of [...origins, ...headers]) {
      if (value.split('*').length > 2) throw new S3Error('InvalidRequest', `"${value}" can not have more than one wildcard.`);
    }
    const maxAge = element.MaxAgeSeconds === undefined ? undefined : Number(elementText(element.MaxAgeSeconds));
    const rule = CorsRule.safeParse({
      allowedOrigins: origins,
      allowedMethods: methods,
      allowedHeaders: headers,
      exposeHeaders: texts(element.ExposeHeader),
      maxAgeSeconds: maxAge,
    });
    if (!rule.success) throw malformed();
    return rule.data;
  });
}

function texts(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw malformed();
  return value.map((v) => {
    const text = elementText(v);
    if (text === undefined || text === '') throw malformed();
    return text;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(): S3Error {
  return new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
}
