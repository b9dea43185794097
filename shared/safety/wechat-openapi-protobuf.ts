/**
 * The protobuf messages of WeChat's cloud-call channel (`wx.openApi`), written by hand: the subset is
 * four small messages, not worth protobufjs in the bundle. Field numbers and types are those of
 * wx-server-sdk's generated `src/protobuf/openapi.js`:
 *
 *   message CommApiData     { ApiType api_type = 1; OpenApiData openapi_data = 2; string appid = 6; … }
 *                             enum ApiType { OPEN_API = 0; INNER_API = 1; SVRKIT_API = 2; TOKEN_API = 3; }
 *   message OpenApiData     { repeated KeyValuePair pairs = 1; }
 *   message KeyValuePair    { string key = 1; bytes value = 2; string contenttype = 3; string filename = 4; }
 *   message CommOpenApiResp { bytes resp_data = 1; string content_type = 2; int32 error_code = 3;
 *                             uint32 http_code = 4; repeated HttpHeader headers = 5; int32 svrkit_error_code = 6; }
 *
 * wx-server-sdk puts each request parameter in a pair whose value is the parameter JSON-encoded
 * (`"openid"` → `"\"o…\""`, `scene` → `2`), and reads the API's JSON answer from `resp_data`.
 */

export interface OpenApiPair {
  key: string;
  value: Buffer;
}

export interface OpenApiRequest {
  apiType: number;
  pairs: OpenApiPair[];
}

export interface OpenApiResponse {
  respData: Buffer;
  contentType: string;
  /** Non-zero for a failure of the channel itself (e.g. the function lacks the API's permission). */
  errorCode: number;
  httpCode: number;
  svrkitErrorCode: number;
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** The request wx-server-sdk's `cloud.openapi.<api>(parameters)` sends; parameters in key order. */
export function encodeOpenApiRequest(parameters: Readonly<Record<string, unknown>>): Buffer {
  const pairs: Buffer[] = [];
  for (const [key, value] of Object.entries(parameters)) {
    const json = JSON.stringify(value);
    if (json === undefined) continue;
    pairs.push(Buffer.concat([stringField(1, key), bytesField(2, Buffer.from(json))]));
  }
  const openApiData = Buffer.concat(pairs.map((pair) => bytesField(1, pair)));
  // protobufjs writes api_type even when it is the default 0, because the caller set it.
  return Buffer.concat([varintField(1, 0), bytesField(2, openApiData)]);
}

export function decodeOpenApiRequest(bytes: Uint8Array): OpenApiRequest {
  const request: OpenApiRequest = { apiType: 0, pairs: [] };
  for (const field of readFields(bytes)) {
    if (field.number === 1) request.apiType = asInt32(field);
    if (field.number !== 2) continue;
    for (const pairField of readFields(asBytes(field))) {
      if (pairField.number !== 1) continue;
      const pair: OpenApiPair = { key: '', value: Buffer.alloc(0) };
      for (const inner of readFields(asBytes(pairField))) {
        if (inner.number === 1) pair.key = asBytes(inner).toString('utf8');
        if (inner.number === 2) pair.value = asBytes(inner);
      }
      request.pairs.push(pair);
    }
  }
  return request;
}

export function encodeOpenApiResponse(response: Partial<OpenApiResponse>): Buffer {
  const parts: Buffer[] = [];
  if (response.respData !== undefined) parts.push(bytesField(1, response.respData));
  if (response.contentType !== undefined) parts.push(stringField(2, response.contentType));
  if (response.errorCode !== undefined) parts.push(varintField(3, response.errorCode));
  if (response.httpCode !== undefined) parts.push(varintField(4, response.httpCode));
  if (response.svrkitErrorCode !== undefined) parts.push(varintField(6, response.svrkitErrorCode));
  return Buffer.concat(parts);
}

/** Throws on anything that is not a well-formed message (a JSON error body, a truncated reply). */
export function decodeOpenApiResponse(bytes: Uint8Array): OpenApiResponse {
  const response: OpenApiResponse = {
    respData: Buffer.alloc(0),
    contentType: '',
    errorCode: 0,
    httpCode: 0,
    svrkitErrorCode: 0,
  };
  for (const field of readFields(bytes)) {
    if (field.number === 1) response.respData = asBytes(field);
    else if (field.number === 2) response.contentType = asBytes(field).toString('utf8');
    else if (field.number === 3) response.errorCode = asInt32(field);
    else if (field.number === 4) response.httpCode = Number(BigInt.asUintN(32, asVarint(field)));
    else if (field.number === 6) response.svrkitErrorCode = asInt32(field);
  }
  return response;
}

interface Field {
  number: number;
  wireType: number;
  varint: bigint;
  bytes: Buffer;
}

function* readFields(input: Uint8Array): Generator<Field> {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let position = 0;
  const readVarint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = bytes[position];
      if (byte === undefined) throw new Error('protobuf: truncated varint');
      position += 1;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error('protobuf: varint too long');
  };
  while (position < bytes.length) {
    const tag = readVarint();
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (number === 0) throw new Error('protobuf: field number 0');
    if (wireType === VARINT) {
      yield { number, wireType, varint: readVarint(), bytes: Buffer.alloc(0) };
    } else if (wireType === LENGTH_DELIMITED || wireType === FIXED64 || wireType === FIXED32) {
      const length = wireType === LENGTH_DELIMITED ? Number(readVarint()) : wireType === FIXED64 ? 8 : 4;
      if (position + length > bytes.length) throw new Error('protobuf: truncated field');
      yield { number, wireType, varint: 0n, bytes: bytes.subarray(position, position + length) };
      position += length;
    } else {
      // Groups (3, 4) are not used by these messages; anything else is not protobuf at all.
      throw new Error(`protobuf: unsupported wire type ${wireType}`);
    }
  }
}

function asBytes(field: Field): Buffer {
  if (field.wireType !== LENGTH_DELIMITED) throw new Error(`protobuf: field ${field.number} is not bytes`);
  return Buffer.from(field.bytes);
}

function asVarint(field: Field): bigint {
  if (field.wireType !== VARINT) throw new Error(`protobuf: field ${field.number} is not a varint`);
  return field.varint;
}

/** int32 values are sign-extended to 64 bits on the wire, so -1 takes ten bytes. */
function asInt32(field: Field): number {
  return Number(BigInt.asIntN(32, asVarint(field)));
}

function encodeVarint(value: bigint): Buffer {
  const out: number[] = [];
  let rest = BigInt.asUintN(64, value);
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return Buffer.from(out);
}

function varintField(number: number, value: number): Buffer {
  return Buffer.concat([encodeVarint(BigInt((number << 3) | VARINT)), encodeVarint(BigInt(value))]);
}

function bytesField(number: number, value: Uint8Array): Buffer {
  return Buffer.concat([
    encodeVarint(BigInt((number << 3) | LENGTH_DELIMITED)),
    encodeVarint(BigInt(value.length)),
    value,
  ]);
}

function stringField(number: number, value: string): Buffer {
  return bytesField(number, Buffer.from(value, 'utf8'));
}
