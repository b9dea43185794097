import { describe, expect, it } from 'vitest';
import {
  decodeOpenApiRequest,
  decodeOpenApiResponse,
  encodeOpenApiRequest,
  encodeOpenApiResponse,
} from '../../shared/safety/wechat-openapi-protobuf.js';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

describe('wx.openApi protobuf', () => {
  it('encodes msgSecCheck parameters as wx-server-sdk does, byte for byte', () => {
    const bytes = encodeOpenApiRequest({ openid: 'o1', scene: 2, version: 2, content: 'hi' });
    const expected = hex(
      [
        '08 00', // api_type = OPEN_API (0), written although it is the default
        '12 3b', // openapi_data, 59 bytes
        '0a 0e  0a 06 6f70656e6964  12 04 226f3122', // pair "openid" = JSON "o1", quotes included
        '0a 0a  0a 05 7363656e65  12 01 32', // pair "scene" = 2
        '0a 0c  0a 07 76657273696f6e  12 01 32', // pair "version" = 2
        '0a 0f  0a 07 636f6e74656e74  12 04 22686922', // pair "content" = JSON "hi"
      ].join(''),
    );
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
    expect(bytes.length).toBe(63);
  });

  it('JSON-encodes non-ASCII content as UTF-8 with a two-byte length past 127 bytes', () => {
    const content = '你好'.repeat(30); // 180 bytes of UTF-8, 182 with the JSON quotes
    const bytes = encodeOpenApiRequest({ content });
    const request = decodeOpenApiRequest(bytes);
    expect(request.pairs).toHaveLength(1);
    expect(request.pairs[0]?.key).toBe('content');
    expect(request.pairs[0]?.value.toString('utf8')).toBe(JSON.stringify(content));
    // The value's length 182 = 0xb6 0x01 as a varint.
    expect(bytes.includes(hex('12 b6 01 22'))).toBe(true);
  });

  it('round-trips a request, keeping the order of the parameters and skipping undefined ones', () => {
    const request = decodeOpenApiRequest(
      encodeOpenApiRequest({ openid: 'oAbc', scene: 4, version: 2, content: '🙂 ok', title: undefined }),
    );
    expect(request.apiType).toBe(0);
    expect(request.pairs.map((pair) => [pair.key, JSON.parse(pair.value.toString('utf8'))])).toEqual([
      ['openid', 'oAbc'],
      ['scene', 4],
      ['version', 2],
      ['content', '🙂 ok'],
    ]);
  });

  it('encodes a response with a negative int32 in ten bytes and decodes it back', () => {
    const bytes = encodeOpenApiResponse({
      respData: Buffer.from('{}'),
      contentType: 'a',
      errorCode: -1,
      httpCode: 200,
    });
    expect(bytes.toString('hex')).toBe(
      hex('0a 02 7b7d  12 01 61  18 ffffffffffffffffff01  20 c801').toString('hex'),
    );
    expect(decodeOpenApiResponse(bytes)).toEqual({
      respData: Buffer.from('{}'),
      contentType: 'a',
      errorCode: -1,
      httpCode: 200,
      svrkitErrorCode: 0,
    });
  });

  it('decodes a response with defaults for absent fields and skips unknown ones', () => {
    // field 5 (headers, length-delimited) and an unknown fixed32 field 9 are skipped.
    const bytes = hex('2a 03 0a 01 78  4d 01020304  18 bb 90 db ff ff ff ff ff ff 01');
    expect(decodeOpenApiResponse(bytes)).toEqual({
      respData: Buffer.alloc(0),
      contentType: '',
      errorCode: -604101,
      httpCode: 0,
      svrkitErrorCode: 0,
    });
    expect(decodeOpenApiResponse(encodeOpenApiResponse({ errorCode: -604101 })).errorCode).toBe(-604101);
  });

  it('rejects what is not a protobuf message', () => {
    expect(() => decodeOpenApiResponse(Buffer.from('{"code":"SYS_ERR","message":"x"}'))).toThrow(/wire type/);
    expect(() => decodeOpenApiResponse(hex('0a 05 61'))).toThrow(/truncated/);
    expect(() => decodeOpenApiResponse(hex('18 ff'))).toThrow(/truncated varint/);
    expect(() => decodeOpenApiResponse(hex('00 00'))).toThrow(/field number 0/);
    expect(() => decodeOpenApiResponse(hex('1a 01 00'))).toThrow(/not a varint/);
  });
});
