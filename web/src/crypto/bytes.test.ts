// @vitest-environment node
import { describe, expect, test } from 'vitest';
import { b64decode, b64encode, fromUtf8, hex, u64le, unhex, utf8, utf8Len } from './bytes';

describe('hex', () => {
  test('round trip, lower case out, either case in', () => {
    const b = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(unhex(hex(b))).toEqual(b);
    expect(hex(Uint8Array.of(0xab, 0x01))).toBe('ab01');
    expect(unhex('AB01')).toEqual(Uint8Array.of(0xab, 0x01));
  });
  test('rejects odd length, non-hex, a 0x prefix and a wrong length', () => {
    expect(unhex('abc')).toBeNull();
    expect(unhex('zz')).toBeNull();
    expect(unhex('0xab')).toBeNull();
    expect(unhex('ab', 2)).toBeNull();
    expect(unhex('abcd', 2)).toEqual(Uint8Array.of(0xab, 0xcd));
  });
});

describe('base64 (standard, no padding)', () => {
  test('matches Node for every length 0..70, without padding', () => {
    for (let n = 0; n <= 70; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const want = Buffer.from(b).toString('base64').replace(/=+$/, '');
      expect(b64encode(b)).toBe(want);
      expect(b64decode(want)).toEqual(b);
    }
    expect(b64encode(Uint8Array.of(0xfb, 0xff))).toBe('+/8');
  });
  test('is strict like Rust STANDARD_NO_PAD', () => {
    expect(b64decode('QQ==')).toBeNull(); // padding
    expect(b64decode('QQ')).toEqual(Uint8Array.of(0x41));
    expect(b64decode('QR')).toBeNull(); // non-zero trailing bits
    expect(b64decode('Q')).toBeNull(); // impossible length
    expect(b64decode('QU JD')).toBeNull(); // whitespace
    expect(b64decode('-_')).toBeNull(); // URL-safe alphabet
    expect(b64decode('QUJ\u00e9')).toBeNull();
    expect(b64decode('')).toEqual(new Uint8Array(0));
  });
});

describe('utf8', () => {
  test('byte lengths, a leading BOM is kept, invalid UTF-8 throws', () => {
    expect(utf8Len('é🩻')).toBe(2 + 4);
    expect(fromUtf8(utf8('\u{feff}x'))).toBe('\u{feff}x');
    expect(() => fromUtf8(Uint8Array.of(0xc3))).toThrow();
    expect(() => fromUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toThrow(); // surrogate
  });
  test('u64le', () => {
    expect(u64le(0x0102)).toEqual(Uint8Array.of(2, 1, 0, 0, 0, 0, 0, 0));
    expect(() => u64le(-1)).toThrow(RangeError);
  });
});
