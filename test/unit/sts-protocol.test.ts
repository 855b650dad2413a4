import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseAssumeRoleInput } from '../../src/sts/assume-role-input';
import { StsError } from '../../src/sts/errors';
import { actionOf, readStsRequest, stsErrorResponse, stsResponse, stsTimestamp } from '../../src/sts/protocol';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

function params(values: Record<string, string>): URLSearchParams {
  return new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', ...values });
}

function stsErrorOf(fn: () => unknown): StsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StsError) return error;
    throw error;
  }
  throw new Error('expected an StsError');
}

describe('parseAssumeRoleInput', () => {
  const valid = { RoleArn: 'arn:aws:iam::123456789012:role/ci-deploy', RoleSessionName: 'run-42', WebIdentityToken: TOKEN };

  it('reads the parameters, the role name and the account from the ARN', () => {
    expect(parseAssumeRoleInput(params({ ...valid, DurationSeconds: '900' }))).toEqual({
      roleArn: valid.RoleArn,
      account: '123456789012',
      roleName: 'ci-deploy',
      roleSessionName: 'run-42',
      webIdentityToken: TOKEN,
      durationSeconds: 900,
    });
    expect(parseAssumeRoleInput(params({ ...valid, RoleArn: 'arn:aws:iam::123456789012:role/path/to/ci-deploy' })).roleName).toBe('ci-deploy');
    expect(parseAssumeRoleInput(params({ ...valid, RoleArn: 'arn:aws:iam:::role/ci-deploy-role' })).account).toBe('000000000000');
    expect(parseAssumeRoleInput(params(valid)).durationSeconds).toBeNull();
  });

  it('trims trailing whitespace from the token (file:// keeps the newline)', () => {
    expect(parseAssumeRoleInput(params({ ...valid, WebIdentityToken: `${TOKEN}\n` })).webIdentityToken).toBe(TOKEN);
    expect(parseAssumeRoleInput(params({ ...valid, WebIdentityToken: `${TOKEN} \r\n\t` })).webIdentityToken).toBe(TOKEN);
  });

  it.each([
    [{ RoleArn: undefined }, "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"],
    [{ RoleArn: 'arn:aws:iam::1:role' }, "at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048"],
    [{ RoleSessionName: 'x' }, "Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64"],
    [{ RoleSessionName: 'a'.repeat(65) }, "at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64"],
    [{ RoleSessionName: 'has space' }, "Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern"],
    [{ WebIdentityToken: undefined }, "at 'webIdentityToken' failed to satisfy constraint: Member must not be null"],
    [{ WebIdentityToken: 'abc' }, "at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000"],
    [{ WebIdentityToken: 'a'.repeat(20001) }, "at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000"],
    [{ DurationSeconds: '899' }, "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"],
    [{ DurationSeconds: '43201' }, "Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"],
    [{ RoleArn: 'arn:aws:iam::123456789012:user/ci-deploy' }, 'Request ARN is invalid'],
    [{ RoleArn: 'arn:aws:s3:::bucket-name-long-enough' }, 'Request ARN is invalid'],
  ])('%j → ValidationError', (overrides, message) => {
    const values: Record<string, string> = { ...valid };
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) delete values[k];
      else values[k] = v;
    }
    const e = stsErrorOf(() => parseAssumeRoleInput(params(values)));
    expect(e.code).toBe('ValidationError');
    expect(e.status).toBe(400);
    expect(e.message).toContain(message);
  });

  it('counts several problems and never echoes the token', () => {
    const e = stsErrorOf(() => parseAssumeRoleInput(params({ RoleSessionName: 'x', WebIdentityToken: 'abc' })));
    expect(e.message).toMatch(/^3 validation errors detected: /);
    expect(e.message).not.toContain("'abc'");
  });

  it.each([
    [{ DurationSeconds: 'abc' }, 'InvalidParameterValue'],
    [{ DurationSeconds: '3600.5' }, 'InvalidParameterValue'],
    [{ Policy: '{}' }, 'InvalidParameterValue'],
    [{ 'PolicyArns.member.1.arn': 'x', 'PolicyArns.member.1': 'x' }, 'InvalidParameterValue'],
    [{ ProviderId: 'www.amazon.com' }, 'InvalidParameterValue'],
  ])('%j → %s', (overrides, code) => {
    expect(stsErrorOf(() => parseAssumeRoleInput(params({ ...valid, ...overrides }))).code).toBe(code);
  });
});

describe('actionOf', () => {
  it('requires an Action and the 2011-06-15 version', () => {
    expect(actionOf(new URLSearchParams('Action=GetCallerIdentity&Version=2011-06-15'))).toBe('GetCallerIdentity');
    expect(stsErrorOf(() => actionOf(new URLSearchParams('Version=2011-06-15'))).code).toBe('MissingAction');
    expect(stsErrorOf(() => actionOf(new URLSearchParams('Action=GetCallerIdentity&Version=2012-01-01'))).code).toBe('InvalidAction');
  });
});

describe('readStsRequest', () => {
  it('reads form bodies over the query string, and refuses other bodies and oversized ones', async () => {
    const form = new Request('https://gw.test/.sts?Action=X&Version=2011-06-15', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'Action=GetCallerIdentity&Token=a%2Bb',
    });
    const read = await readStsRequest(form);
    expect(read.params.get('Action')).toBe('GetCallerIdentity');
    expect(read.params.get('Version')).toBe('2011-06-15');
    expect(read.params.get('Token')).toBe('a+b');
    expect(new TextDecoder().decode(read.body)).toBe('Action=GetCallerIdentity&Token=a%2Bb');

    const json = new Request('https://gw.test/.sts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await expect(readStsRequest(json)).rejects.toMatchObject({ code: 'InvalidParameterValue' });

    const big = new Request('https://gw.test/.sts', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a='.padEnd(70_000, 'x') });
    await expect(readStsRequest(big)).rejects.toMatchObject({ code: 'ValidationError' });
  });
});

describe('XML answers', () => {
  it('wraps a result the way AWS does', async () => {
    const response = stsResponse('GetCallerIdentity', { Arn: 'arn:aws:sts::1:assumed-role/r/s<&>', UserId: 'AROAX:s', Account: '1' }, 'req-1');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml');
    const text = await response.text();
    expect(text).toContain('&lt;&amp;&gt;');
    expect(parser.parse(text)).toEqual({
      '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
      GetCallerIdentityResponse: {
        '@_xmlns': 'https://sts.amazonaws.com/doc/2011-06-15/',
        GetCallerIdentityResult: { Arn: 'arn:aws:sts::1:assumed-role/r/s<&>', UserId: 'AROAX:s', Account: '1' },
        ResponseMetadata: { RequestId: 'req-1' },
      },
    });
  });

  it('renders errors as ErrorResponse with Type, Code, Message and RequestId', async () => {
    const response = stsErrorResponse(new StsError('InvalidIdentityToken', 'Incorrect token audience'), 'req-2');
    expect(response.status).toBe(400);
    expect(parser.parse(await response.text()).ErrorResponse).toEqual({
      '@_xmlns': 'https://sts.amazonaws.com/doc/2011-06-15/',
      Error: { Type: 'Sender', Code: 'InvalidIdentityToken', Message: 'Incorrect token audience' },
      RequestId: 'req-2',
    });
    const internal = stsErrorResponse(new StsError('InternalFailure', 'x'), 'req-3');
    expect(internal.status).toBe(500);
    expect(await internal.text()).toContain('<Type>Receiver</Type>');
  });

  it('prints timestamps as YYYY-MM-DDTHH:MM:SSZ', () => {
    expect(stsTimestamp(new Date('2026-05-01T12:34:56.789Z'))).toBe('2026-05-01T12:34:56Z');
  });
});
