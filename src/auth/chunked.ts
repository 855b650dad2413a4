import { S3Error } from '../core/s3-error';
import { toHex } from './checksums';
import { chunkStringToSign, EMPTY_SHA256, hmacHex, sha256Hex, signaturesEqual, trailerStringToSign } from './sigv4';
import { stageTransformStream, type Stage } from './stage';

/**
 * Decoder for S3's aws-chunked content encoding, as a TransformStream that passes the payload
 * through without holding it:
 *
 *   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n … 0[;chunk-signature=<sig>]\r\n
 *   [<trailer>:<value>\r\n … [x-amz-trailer-signature:<sig>\r\n]]\r\n
 *
 * Signed variants verify every chunk's signature in chain (seeded by the request signature) as
 * its last byte passes, and the trailer signature after the final chunk.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */

/** What the request's own SigV4 verification hands on to the chunk chain. */
export interface ChunkSigning {
  signingKey: CryptoKey;
  datetime: string;
  scope: string;
  seedSignature: string;
}

export interface AwsChunkedOptions {
  /** x-amz-decoded-content-length: the payload must be exactly this long. */
  decodedLength: number;
  /** Present for STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]. */
  signing?: ChunkSigning;
  /** Whether trailing headers follow the final chunk (the *-TRAILER variants). */
  trailer: boolean;
  /** Receives the trailing headers, lower-case names, once read (and verified when signed). */
  onTrailers?(trailers: Map<string, string>): void;
}

/** Chunk headers and trailer lines are a few dozen bytes; anything longer is not aws-chunked. */
const MAX_LINE_BYTES = 4096;
const MAX_TRAILERS = 16;
const CHUNK_HEADER = /^([0-9a-fA-F]{1,12})(?:;(.*))?$/;
const SIGNATURE_MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

type State = 'chunk-header' | 'chunk-data' | 'chunk-end' | 'final-line' | 'trailer' | 'done';

export function awsChunkedStage(options: AwsChunkedOptions): Stage {
  const parser = new AwsChunkedParser(options);
  return {
    transform: (chunk, emit) => parser.push(chunk, emit),
    flush: () => parser.end(),
  };
}

export function awsChunkedDecoder(options: AwsChunkedOptions): TransformStream<Uint8Array, Uint8Array> {
  return stageTransformStream(awsChunkedStage(options));
}

class AwsChunkedParser {
  private state: State = 'chunk-header';
  private line = '';
  private remaining = 0;
  private decoded = 0;
  private previousSignature: string;
  private chunkSignature = '';
  private chunkDigest: { stream: DigestStream; writer: ReturnType<DigestStream['getWriter']> } | undefined;
  private readonly trailers = new Map<string, string>();

  constructor(private readonly options: AwsChunkedOptions) {
    this.previousSignature = options.signing?.seedSignature ?? '';
  }

  async push(bytes: Uint8Array, emit: (chunk: Uint8Array) => void): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      if (this.state === 'done') throw malformed('unexpected data after the end of the body');
      if (this.state === 'chunk-data') {
        const n = Math.min(this.remaining, bytes.length - offset);
        const data = bytes.subarray(offset, offset + n);
        offset += n;
        this.remaining -= n;
        this.decoded += n;
        emit(data);
        if (this.chunkDigest) await this.chunkDigest.writer.write(data);
        if (this.remaining === 0) this.state = 'chunk-end';
        continue;
      }
      const lf = bytes.indexOf(0x0a, offset);
      const end = lf === -1 ? bytes.length : lf;
      if (this.line.length + (end - offset) > MAX_LINE_BYTES) throw malformed('a chunk header or trailer line is too long');
      this.line += String.fromCharCode(...bytes.subarray(offset, end));
      offset = end;
      if (lf === -1) break;
      offset++;
      if (!this.line.endsWith('\r')) throw malformed('lines must end with CRLF');
      const line = this.line.slice(0, -1);
      this.line = '';
      await this.onLine(line);
    }
  }

  async end(): Promise<void> {
    // Tolerate a body that stops after the final chunk or the last trailer, without the closing CRLF(s).
    if (this.state === 'trailer' && this.line !== '') {
      const last = this.line;
      this.line = '';
      await this.onLine(last);
    }
    if (this.line === '' && (this.state === 'final-line' || this.state === 'trailer')) await this.onLine('');
    if (this.state !== 'done') throw incomplete('The request body terminated unexpectedly');
    if (this.decoded !== this.options.decodedLength) {
      throw incomplete(`You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${this.options.decodedLength}); received ${this.decoded}.`);
    }
  }

  private async onLine(line: string): Promise<void> {
    switch (this.state) {
      case 'chunk-header':
        return this.onChunkHeader(line);
      case 'chunk-end':
        if (line !== '') throw malformed('chunk data longer than its declared size');
        await this.verifyChunk();
        this.state = 'chunk-header';
        return;
      case 'final-line':
        if (line !== '') throw malformed('unexpected data after the final chunk');
        this.state = 'done';
        return;
      case 'trailer':
        return line === '' ? this.finishTrailers() : this.onTrailerLine(line);
      case 'done':
        throw malformed('unexpected data after the end of the body');
      case 'chunk-data':
        throw new Error('unreachable: chunk data is not line-oriented');
    }
  }

  private async onChunkHeader(line: string): Promise<void> {
    const m = CHUNK_HEADER.exec(line);
    if (!m) throw malformed('invalid chunk header');
    const size = parseInt(m[1]!, 16);
    if (this.options.signing) {
      const signature = /(?:^|;)chunk-signature=([0-9a-f]{64})(?:;|$)/.exec(m[2] ?? '')?.[1];
      if (!signature) throw new S3Error('SignatureDoesNotMatch', 'Every chunk of a signed aws-chunked body must carry a chunk-signature.');
      this.chunkSignature = signature;
    }
    if (this.decoded + size > this.options.decodedLength) {
      throw incomplete('The aws-chunked body is longer than the x-amz-decoded-content-length header says.');
    }
    if (size === 0) {
      await this.verifyChunk();
      this.state = this.options.trailer ? 'trailer' : 'final-line';
      return;
    }
    this.remaining = size;
    if (this.options.signing) {
      const stream = new crypto.DigestStream('SHA-256');
      this.chunkDigest = { stream, writer: stream.getWriter() };
    }
    this.state = 'chunk-data';
  }

  private async verifyChunk(): Promise<void> {
    const signing = this.options.signing;
    if (!signing) return;
    let dataSha256 = EMPTY_SHA256;
    if (this.chunkDigest) {
      await this.chunkDigest.writer.close();
      dataSha256 = toHex(new Uint8Array(await this.chunkDigest.stream.digest));
      this.chunkDigest = undefined;
    }
    const expected = await hmacHex(signing.signingKey, chunkStringToSign(signing.datetime, signing.scope, this.previousSignature, dataSha256));
    if (!signaturesEqual(expected, this.chunkSignature)) throw new S3Error('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
    this.previousSignature = this.chunkSignature;
  }

  private onTrailerLine(line: string): void {
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed('invalid trailer line');
    if (this.trailers.size >= MAX_TRAILERS) throw malformed('too many trailers');
    this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }

  private async finishTrailers(): Promise<void> {
    const signing = this.options.signing;
    const signature = this.trailers.get('x-amz-trailer-signature');
    this.trailers.delete('x-amz-trailer-signature');
    if (signing) {
      const canonical = [...this.trailers]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => `${name}:${value}\n`)
        .join('');
      const toSign = trailerStringToSign(signing.datetime, signing.scope, this.previousSignature, await sha256Hex(canonical));
      const expected = await hmacHex(signing.signingKey, toSign);
      if (signature === undefined || !signaturesEqual(expected, signature)) {
        throw new S3Error('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
      }
    }
    this.options.onTrailers?.(this.trailers);
    this.state = 'done';
  }
}

function malformed(detail: string): S3Error {
  return new S3Error('InvalidRequest', `Malformed aws-chunked body: ${detail}.`);
}

function incomplete(message: string): S3Error {
  return new S3Error('IncompleteBody', message);
}
